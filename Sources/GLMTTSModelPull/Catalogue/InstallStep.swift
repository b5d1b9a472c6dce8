/// One step of turning downloaded files into an installed model folder. Steps run in
/// order inside a private staging folder; only a finished folder is moved into place.
///
/// In `catalogue/models.json`: `{"step": "unpack", "file": "pack.tar.bz2", "stripComponents": 1}`,
/// `{"step": "place", "file": "vocos_24khz.onnx"}` (optionally `"as": "vocoder.onnx"`),
/// `{"step": "join", "files": ["model.bin.part1", "model.bin.part2"], "as": "model.bin"}`,
/// `{"step": "importPiper", "file": "voice.onnx", "config": "voice.onnx.json"}`.
public enum InstallStep: Sendable, Codable, Equatable {
    /// Unpack a tar archive (plain, gzip, bzip2 or xz) into the folder, dropping
    /// `stripComponents` leading path components; unsafe entries abort the install.
    case unpack(file: String, stripComponents: Int)
    /// Copy a downloaded file into the folder (under another name with `as`).
    case place(file: String, as: String?)
    /// Concatenate split parts, in order, into one file.
    case join(files: [String], as: String)
    /// Import a Piper voice (`.onnx` + `.onnx.json`, optional `MODEL_CARD`) with
    /// `PiperVoiceImporter`: sherpa-onnx metadata, tokens and the manifest.
    case importPiper(file: String, config: String, card: String?)

    private enum CodingKeys: String, CodingKey {
        case step, file, files, stripComponents, `as`, config, card
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .step) {
        case "unpack":
            self = .unpack(
                file: try c.decode(String.self, forKey: .file),
                stripComponents: try c.decodeIfPresent(Int.self, forKey: .stripComponents) ?? 0)
        case "place":
            self = .place(file: try c.decode(String.self, forKey: .file), as: try c.decodeIfPresent(String.self, forKey: .as))
        case "join":
            self = .join(files: try c.decode([String].self, forKey: .files), as: try c.decode(String.self, forKey: .as))
        case "importPiper":
            self = .importPiper(
                file: try c.decode(String.self, forKey: .file), config: try c.decode(String.self, forKey: .config),
                card: try c.decodeIfPresent(String.self, forKey: .card))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .step, in: c, debugDescription: "unknown install step '\(other)' (unpack, place, join, importPiper)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .unpack(file, strip):
            try c.encode("unpack", forKey: .step)
            try c.encode(file, forKey: .file)
            if strip != 0 { try c.encode(strip, forKey: .stripComponents) }
        case let .place(file, name):
            try c.encode("place", forKey: .step)
            try c.encode(file, forKey: .file)
            try c.encodeIfPresent(name, forKey: .as)
        case let .join(files, name):
            try c.encode("join", forKey: .step)
            try c.encode(files, forKey: .files)
            try c.encode(name, forKey: .as)
        case let .importPiper(file, config, card):
            try c.encode("importPiper", forKey: .step)
            try c.encode(file, forKey: .file)
            try c.encode(config, forKey: .config)
            try c.encodeIfPresent(card, forKey: .card)
        }
    }

    /// The downloaded files this step reads.
    public var inputs: [String] {
        switch self {
        case let .unpack(file, _), let .place(file, _): return [file]
        case let .join(files, _): return files
        case let .importPiper(file, config, card): return [file, config] + (card.map { [$0] } ?? [])
        }
    }
}
