/// The zero-shot cloning model families that sherpa-onnx runs, and what each needs.
///
/// UNVERIFIED HERE: no weights for these models can be obtained on the build machine, so
/// these facts come from sherpa-onnx 2.0.1's C API, its sources and its published model
/// packs (see docs/ENGINES-ZEROSHOT.md), not from a listening test.
public enum ZeroShotFamily: String, Sendable, CaseIterable, Codable {
    /// ZipVoice (flow-matching text-to-mel + Vocos vocoder); needs the reference clip and
    /// its transcript.
    case zipvoice
    /// Pocket-TTS (Kyutai's flow language model + Mimi codec); needs the reference clip only.
    case pocket

    /// The family of an engine kind, or nil if the kind is not a zero-shot model.
    public init?(engine: EngineKind) {
        switch engine {
        case .zipvoice: self = .zipvoice
        case .pocket: self = .pocket
        default: return nil
        }
    }

    /// The manifest engine kind of this family.
    public var engine: EngineKind {
        switch self {
        case .zipvoice: return .zipvoice
        case .pocket: return .pocket
        }
    }

    /// File roles a manifest of this family must name, in the order they are checked.
    public var requiredFileRoles: [String] {
        switch self {
        case .zipvoice: return ["tokens", "encoder", "decoder", "vocoder"]
        case .pocket: return ["lmFlow", "lmMain", "encoder", "decoder", "textConditioner", "vocab", "tokenScores"]
        }
    }

    /// File roles a manifest may name; used when present (ZipVoice: the pinyin lexicon
    /// for Chinese text).
    public var optionalFileRoles: [String] {
        switch self {
        case .zipvoice: return ["lexicon"]
        case .pocket: return []
        }
    }

    /// Roles whose files are ONNX models (checked to parse as ONNX before loading).
    public var onnxFileRoles: [String] {
        switch self {
        case .zipvoice: return ["encoder", "decoder", "vocoder"]
        case .pocket: return ["lmFlow", "lmMain", "encoder", "decoder", "textConditioner"]
        }
    }

    /// Whether a synthesis needs the reference clip's transcript (ZipVoice conditions on
    /// the prompt's tokens; Pocket-TTS only encodes the clip).
    public var needsReferenceText: Bool { self == .zipvoice }

    /// Parameters this family really applies through sherpa-onnx's generation config.
    public var honouredParameters: Set<SynthesisParameter> {
        switch self {
        case .zipvoice: return [.samplingStrategy, .speed]
        case .pocket: return [.samplingStrategy, .temperature, .seed]
        }
    }

    /// Whether audio comes out sentence by sentence (ZipVoice: one sherpa-onnx call per
    /// sentence; Pocket-TTS: one call for the whole text).
    public var streamsSentences: Bool { self == .zipvoice }
}
