import GLMTTSEngine

/// One entry of the catalogue: a model its publisher serves, how to install it, and the
/// manifest it becomes (`catalogue/models.json`).
public struct PublishedModel: Sendable, Codable, Equatable {
    /// The model id once installed (also its folder name).
    public var id: String
    /// Engine that loads it.
    public var engine: EngineKind
    /// One-line description.
    public var description: String
    /// Languages it speaks or recognises (BCP 47 primary tags, `*` for any).
    public var languages: [String]
    /// Licence of the weights, as published.
    public var licence: String
    /// Output (or expected input) sample rate in Hz.
    public var sampleRate: Int
    /// What it can do (clone a voice, stream).
    public var capabilities: ManifestCapabilities
    /// Device, memory and disk it needs.
    public var needs: ModelNeeds
    /// The downloads.
    public var files: [PublishedFile]
    /// How the downloads become the model folder.
    public var install: [InstallStep]
    /// The manifest's role → file table (ignored when an `importPiper` step writes the manifest).
    public var manifestFiles: [String: String]
    /// The manifest's engine options.
    public var options: [String: String]
    /// When set, the entry is listed but cannot be pulled, for this reason.
    public var unavailable: String?
    /// When set, the entry's files are this Hugging Face repository, listed when pulled
    /// (`files` and `install` then add to it, and may be empty).
    public var snapshot: RepositorySnapshot?

    public init(
        id: String, engine: EngineKind, description: String, languages: [String], licence: String, sampleRate: Int,
        capabilities: ManifestCapabilities, needs: ModelNeeds, files: [PublishedFile], install: [InstallStep],
        manifestFiles: [String: String], options: [String: String] = [:], unavailable: String? = nil,
        snapshot: RepositorySnapshot? = nil
    ) {
        self.id = id
        self.engine = engine
        self.description = description
        self.languages = languages
        self.licence = licence
        self.sampleRate = sampleRate
        self.capabilities = capabilities
        self.needs = needs
        self.files = files
        self.install = install
        self.manifestFiles = manifestFiles
        self.options = options
        self.unavailable = unavailable
        self.snapshot = snapshot
    }

    private enum CodingKeys: String, CodingKey {
        case id, engine, description, languages, licence, sampleRate, capabilities, needs, files, install, manifestFiles, options,
            unavailable, snapshot
    }

    /// Decodes an entry; `manifestFiles`, `options` and `unavailable` may be left out.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), engine: try c.decode(EngineKind.self, forKey: .engine),
            description: try c.decode(String.self, forKey: .description), languages: try c.decode([String].self, forKey: .languages),
            licence: try c.decode(String.self, forKey: .licence), sampleRate: try c.decode(Int.self, forKey: .sampleRate),
            capabilities: try c.decode(ManifestCapabilities.self, forKey: .capabilities), needs: try c.decode(ModelNeeds.self, forKey: .needs),
            files: try c.decode([PublishedFile].self, forKey: .files), install: try c.decode([InstallStep].self, forKey: .install),
            manifestFiles: try c.decodeIfPresent([String: String].self, forKey: .manifestFiles) ?? [:],
            options: try c.decodeIfPresent([String: String].self, forKey: .options) ?? [:],
            unavailable: try c.decodeIfPresent(String.self, forKey: .unavailable),
            snapshot: try c.decodeIfPresent(RepositorySnapshot.self, forKey: .snapshot))
    }

    /// Total bytes of the downloads (a snapshot's as the catalogue estimates it until listed).
    public var downloadBytes: Int64 { files.reduce(0) { $0 + $1.size } + (snapshot?.approximateBytes ?? 0) }

    /// Whether `downloadBytes` is only a lower bound (a snapshot of unknown size).
    public var downloadSizeIsListedWhenPulled: Bool { snapshot != nil && snapshot?.approximateBytes == nil }

    /// The manifest this entry installs as (digests and source are added by the installer).
    public var manifest: ModelManifest {
        ModelManifest(
            id: id, engine: engine, description: description, sampleRate: sampleRate, languages: languages,
            files: manifestFiles, options: options, licence: licence, capabilities: capabilities)
    }
}
