import Foundation

/// Imports a published Piper voice (`VOICE.onnx` + `VOICE.onnx.json`) into the models
/// directory in the form sherpa-onnx loads.
///
/// The model folder `<models>/<id>/` gets:
/// - `model.onnx`: the voice with the sherpa-onnx metadata of `sherpaMetadata(for:)`
///   appended to its `metadata_props` (all other bytes unchanged);
/// - `tokens.txt`: built from `phoneme_id_map` (see `PiperTokens`);
/// - `piper.json`: the original config, byte for byte;
/// - `MODEL_CARD`: copied when one lies next to the `.onnx`;
/// - `manifest.json`: engine `piper`, written through `ModelStore.write`, with options
///   `espeakVoice`, `noiseScale`, `noiseScaleW`, `lengthScale`, `numSpeakers`,
///   `sourceName`, `importer` (`formatVersion`) and `sourceSHA256` — the SHA-256 of the
///   source `.onnx`, `.onnx.json` and MODEL_CARD, each preceded by its length as 8 bytes
///   little-endian.
///
/// Promises: the folder appears complete or not at all (everything is staged in a hidden
/// folder inside the models directory and renamed into place; a failed import leaves no
/// folder behind); importing the same source again writes nothing and reports
/// `.alreadyImported`; an existing model of another source is only replaced with
/// `overwrite: true`; staging folders abandoned by an interrupted import are removed by
/// the next import after an hour. The work is synchronous file I/O; async callers should run it on a
/// `BlockingExecutor`.
public struct PiperVoiceImporter: Sendable {
    /// Version of the import format, stored in the manifest option `importer`. A model
    /// imported by another version is not considered current and is re-imported.
    public static let formatVersion = "piper-import/1"
    /// Licence text used when no MODEL_CARD with a licence line is found.
    public static let unknownLicence = "see the voice's MODEL_CARD"
    /// Largest config file accepted (published configs are a few KB).
    static let maxConfigBytes = 16 << 20
    /// Folder name prefix of staging folders inside the models directory.
    static let stagingPrefix = ".import-"
    /// Age after which a staging folder is considered abandoned (seconds).
    static let staleStagingAge: TimeInterval = 3_600

    /// Creates an importer.
    public init() {}

    /// Imports the Piper voice `onnx` with its config into `store`.
    ///
    /// - Parameters:
    ///   - onnx: the voice's `.onnx` file.
    ///   - config: its Piper config; `nil` means `<onnx>.json` next to it.
    ///   - store: the models directory (created if missing).
    ///   - id: model id; `nil` means the `.onnx` file name without its extension.
    ///   - overwrite: replace an existing model with this id even when it came from
    ///     another source (or re-import the same source).
    /// - Throws: `ModelError.invalidID` for an unsafe id; `ModelError.invalidImport` when
    ///   a source is missing, not an ONNX model, or not a usable espeak Piper config, or
    ///   when another model already has this id and `overwrite` is false;
    ///   `ModelError.writeFailed` when the models directory cannot be written.
    public func importVoice(
        onnx: URL, config: URL? = nil, into store: ModelStore, id: String? = nil,
        overwrite: Bool = false
    ) throws -> PiperImportResult {
        let sourceName = onnx.pathExtension.lowercased() == "onnx" ? onnx.deletingPathExtension().lastPathComponent : onnx.lastPathComponent
        let id = id ?? sourceName
        guard ModelManifest.isValidID(id) else { throw ModelError.invalidID(id) }
        let configURL = config ?? onnx.appendingPathExtension("json")

        let modelData = try Self.readSource(onnx, what: "The voice model", maxBytes: nil)
        // Validates the model before anything is written (cheap: top-level fields only).
        _ = try OnnxModelMetadata.parse(modelData, source: onnx.lastPathComponent)
        let configData: Data
        do {
            configData = try Self.readSource(configURL, what: "The Piper config", maxBytes: Self.maxConfigBytes)
        } catch let error as ModelError where config == nil {
            throw ModelError.invalidImport(
                "\(error.message) A Piper voice comes with a config named <voice>.onnx.json; pass its path as the second argument if it lies elsewhere."
            )
        }
        let voice = try PiperVoiceConfig.parse(configData, source: configURL.lastPathComponent)
        let metadata = Self.sherpaMetadata(for: voice)
        let tokens = PiperTokens.build(from: voice.phonemeIDMap)
        guard tokens.count > 0 else {
            throw ModelError.invalidImport(
                "The Piper config \(configURL.lastPathComponent) has no phoneme symbol that sherpa-onnx can use in tokens.txt.")
        }

        let cardURL = onnx.deletingLastPathComponent().appendingPathComponent("MODEL_CARD")
        let cardData = (try? Data(contentsOf: cardURL)).flatMap { $0.count <= Self.maxConfigBytes ? $0 : nil }

        var hasher = SHA256()
        for part in [modelData, configData, cardData ?? Data()] {
            var length = UInt64(part.count).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bytes: $0) }
            hasher.update(part)
        }
        let sourceHash = hasher.finalizeHex()

        let fm = FileManager.default
        let folder = store.directory.appendingPathComponent(id, isDirectory: true)
        let exists = fm.fileExists(atPath: folder.path)
        if exists, !overwrite {
            if let current = try? store.model(id: id), Self.isCurrent(current, sourceHash: sourceHash) {
                return PiperImportResult(
                    outcome: .alreadyImported, model: current, tokenCount: tokens.count, skippedSymbols: tokens.skipped)
            }
            throw ModelError.invalidImport(
                "A model with id '\(id)' already exists in \(store.directory.path) and was not imported from this source. Pass --force (overwrite: true) to replace it, or choose another id with --id."
            )
        }

        var files = ["model": "model.onnx", "tokens": "tokens.txt", "config": "piper.json"]
        if cardData != nil { files["card"] = "MODEL_CARD" }
        var description = "Piper VITS voice \(sourceName) (espeak-ng phonemes"
        if voice.numSpeakers > 1 { description += ", \(voice.numSpeakers) speakers" }
        description += ")"
        let manifest = ModelManifest(
            id: id, engine: .piper, description: description, sampleRate: voice.sampleRate,
            languages: [voice.languageTag], files: files,
            options: [
                "espeakVoice": voice.espeakVoice,
                "noiseScale": String(describing: voice.noiseScale),
                "noiseScaleW": String(describing: voice.noiseW),
                "lengthScale": String(describing: voice.lengthScale),
                "numSpeakers": String(voice.numSpeakers),
                "sourceName": onnx.lastPathComponent,
                "sourceSHA256": sourceHash,
                "importer": Self.formatVersion,
            ],
            licence: cardData.flatMap(Self.licence(inModelCard:)) ?? Self.unknownLicence,
            capabilities: ManifestCapabilities(canClone: false, streaming: true))

        let output = try OnnxModelMetadata.withMetadata(modelData, setting: metadata, source: onnx.lastPathComponent)

        try Self.creatingFolder(store.directory)
        Self.removeStaleStagingFolders(in: store.directory)
        let staging = store.directory.appendingPathComponent("\(Self.stagingPrefix)\(id)-\(UUID().uuidString)", isDirectory: true)
        defer { try? fm.removeItem(at: staging) }
        let stagedStore = ModelStore(directory: staging)
        let stagedFolder = staging.appendingPathComponent(id, isDirectory: true)
        try Self.creatingFolder(stagedFolder)
        try Self.writing(output, to: stagedFolder.appendingPathComponent("model.onnx"))
        try Self.writing(Data(tokens.text.utf8), to: stagedFolder.appendingPathComponent("tokens.txt"))
        try Self.writing(configData, to: stagedFolder.appendingPathComponent("piper.json"))
        if let cardData { try Self.writing(cardData, to: stagedFolder.appendingPathComponent("MODEL_CARD")) }
        do {
            _ = try stagedStore.write(manifest)
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.writeFailed(
                path: stagedFolder.appendingPathComponent(ModelStore.manifestFileName).path, reason: error.localizedDescription)
        }
        _ = try stagedStore.model(id: id)

        let outcome: PiperImportResult.Outcome
        if fm.fileExists(atPath: folder.path) {
            // A name no valid id can have (it contains a space), so it never collides.
            let previous = staging.appendingPathComponent("replaced model", isDirectory: true)
            try Self.moving(folder, to: previous)
            do {
                try Self.moving(stagedFolder, to: folder)
            } catch {
                try? fm.moveItem(at: previous, to: folder)
                throw error
            }
            outcome = .replaced
        } else {
            try Self.moving(stagedFolder, to: folder)
            outcome = .imported
        }
        return PiperImportResult(outcome: outcome, model: try store.model(id: id), tokenCount: tokens.count, skippedSymbols: tokens.skipped)
    }

    /// The ONNX metadata sherpa-onnx needs to run a Piper voice as a VITS model: the keys
    /// and values that sherpa-onnx's own Piper conversion script
    /// (`scripts/piper/add_meta_data.py`) writes. sherpa-onnx requires `sample_rate`,
    /// `n_speakers`, `language` and `comment` (which must contain "piper"), and reads
    /// `voice` as the espeak-ng voice.
    public static func sherpaMetadata(for voice: PiperVoiceConfig) -> [String: String] {
        [
            "model_type": "vits",
            "comment": "piper",
            "language": voice.languageName,
            "voice": voice.espeakVoice,
            "has_espeak": "1",
            "n_speakers": String(voice.numSpeakers),
            "sample_rate": String(voice.sampleRate),
        ]
    }

    /// The first licence line of a Piper MODEL_CARD ("* License: CC0" → "CC0"), or nil.
    static func licence(inModelCard data: Data) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: CharacterSet(charactersIn: "*-#>` \t"))
            let lower = line.lowercased()
            guard lower.hasPrefix("license") || lower.hasPrefix("licence") else { continue }
            var value = line
            if let colon = line.firstIndex(of: ":") { value = String(line[line.index(after: colon)...]) }
            value = value.trimmingCharacters(in: CharacterSet(charactersIn: "*` \t"))
            guard !value.isEmpty else { continue }
            return value.count > 200 ? String(value.prefix(199)) + "…" : value
        }
        return nil
    }

    /// Whether `model` was imported by this importer version from the source with `sourceHash`
    /// and still has its files.
    private static func isCurrent(_ model: InstalledModel, sourceHash: String) -> Bool {
        guard model.manifest.engine == .piper,
            model.manifest.options["sourceSHA256"] == sourceHash,
            model.manifest.options["importer"] == formatVersion
        else { return false }
        return model.manifest.files.keys.allSatisfy { (try? model.fileURL($0)) != nil }
    }

    /// Removes staging folders that an interrupted import (crash, kill) left behind. Only
    /// folders older than `staleStagingAge` are removed, so a concurrent import's staging
    /// folder is never touched.
    static func removeStaleStagingFolders(in directory: URL, now: Date = Date()) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(stagingPrefix) {
            let url = directory.appendingPathComponent(name, isDirectory: true)
            guard let modified = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > staleStagingAge
            else { continue }
            try? fm.removeItem(at: url)
        }
    }

    private static func readSource(_ url: URL, what: String, maxBytes: Int?) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelError.invalidImport("\(what) \(url.path) does not exist.")
        }
        guard !isDirectory.boolValue else {
            throw ModelError.invalidImport("\(what) \(url.path) is a folder, not a file.")
        }
        if let maxBytes, let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > maxBytes {
            throw ModelError.invalidImport("\(what) \(url.path) is \(size) bytes, too large to be one.")
        }
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ModelError.invalidImport("\(what) \(url.path) cannot be read: \(error.localizedDescription)")
        }
    }

    private static func creatingFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ModelError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    private static func writing(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url)
        } catch {
            throw ModelError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    private static func moving(_ source: URL, to destination: URL) throws {
        do {
            try FileManager.default.moveItem(at: source, to: destination)
        } catch {
            throw ModelError.writeFailed(
                path: destination.path, reason: "cannot move the imported model into place (\(error.localizedDescription))")
        }
    }
}
