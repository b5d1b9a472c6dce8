import Foundation

/// Describes one installed model: `manifest.json` in its own folder under the models
/// directory. File paths are relative to that folder and may not escape it.
///
/// Example (written by `glmtts models import-piper`):
/// ```json
/// { "id": "en_US-joe-medium", "engine": "piper", "sampleRate": 22050,
///   "languages": ["en-US"], "files": {"model": "model.onnx", "tokens": "tokens.txt"},
///   "options": {"espeakVoice": "en-us", "noiseScale": "0.667"}, "licence": "…",
///   "capabilities": {"canClone": false, "streaming": true} }
/// ```
public struct ModelManifest: Sendable, Codable, Equatable {
    /// Current manifest format version.
    public static let currentFormat = 1

    /// Format version of this manifest.
    public var format: Int
    /// Unique id; also the folder name. Letters, digits, `.`, `_`, `-` only.
    public var id: String
    /// Engine that loads it.
    public var engine: EngineKind
    /// One-line human description.
    public var description: String
    /// Output (or expected input) sample rate in Hz.
    public var sampleRate: Int
    /// Languages covered.
    public var languages: [String]
    /// Role → relative file name (`model`, `tokens`, `encoder`, …).
    public var files: [String: String]
    /// Engine-specific settings (espeak voice, default noise scales, …).
    public var options: [String: String]
    /// Licence of the weights, as published.
    public var licence: String
    /// Declared capabilities.
    public var capabilities: ManifestCapabilities
    /// SHA-256 (hex) of every file in the folder, by relative path, as installed: what
    /// `glmtts models verify` re-hashes. Written by `glmtts models pull`; absent for models
    /// installed by hand, by `scripts/prepare-models` or by `import-piper`.
    public var digests: [String: String]?
    /// Where a pulled model came from (absent for models installed any other way).
    public var source: ModelSource?

    public init(
        id: String, engine: EngineKind, description: String, sampleRate: Int, languages: [String],
        files: [String: String], options: [String: String] = [:], licence: String,
        capabilities: ManifestCapabilities
    ) {
        self.format = Self.currentFormat
        self.id = id
        self.engine = engine
        self.description = description
        self.sampleRate = sampleRate
        self.languages = languages
        self.files = files
        self.options = options
        self.licence = licence
        self.capabilities = capabilities
    }

    /// Whether `id` is a safe model identifier (used as a folder name).
    public static func isValidID(_ id: String) -> Bool {
        guard !id.isEmpty, id.count <= 100, id != ".", id != ".." else { return false }
        return id.unicodeScalars.allSatisfy { scalar in
            (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar))) || "._-".unicodeScalars.contains(scalar)
        }
    }
}

/// The capability flags a manifest declares.
public struct ManifestCapabilities: Sendable, Codable, Equatable {
    /// Clones a voice from a reference clip.
    public var canClone: Bool
    /// Yields audio sentence by sentence.
    public var streaming: Bool

    public init(canClone: Bool, streaming: Bool) {
        self.canClone = canClone
        self.streaming = streaming
    }
}
