/// The speech-recognition model families `SherpaOfflineRecognizer` runs in-process through
/// the sherpa-onnx C API, and what a manifest of each must name.
///
/// UNVERIFIED HERE: no ONNX recognizer weights can be obtained on the build machine, so
/// these facts come from sherpa-onnx 2.0.1's C API and sources and from its published model
/// packs (see docs/RECOGNIZERS.md), not from a transcription of real speech.
public enum SherpaRecognizerFamily: String, Sendable, CaseIterable, Codable {
    /// Whisper exported by sherpa-onnx (`sherpa-onnx-whisper-*`: encoder, decoder, tokens).
    case whisper
    /// SenseVoice (`sherpa-onnx-sense-voice-*`: one model file and tokens); identifies the
    /// language (zh, en, ja, ko, yue) as it transcribes.
    case senseVoice
    /// Moonshine v1 (`sherpa-onnx-moonshine-*`: preprocessor, encoder, uncached and cached
    /// decoders, tokens).
    case moonshine

    /// The family of an engine kind, or nil if the kind is not a sherpa-onnx recognizer.
    public init?(engine: EngineKind) {
        switch engine {
        case .sherpaWhisper: self = .whisper
        case .senseVoice: self = .senseVoice
        case .moonshine: self = .moonshine
        default: return nil
        }
    }

    /// The manifest engine kind of this family.
    public var engine: EngineKind {
        switch self {
        case .whisper: return .sherpaWhisper
        case .senseVoice: return .senseVoice
        case .moonshine: return .moonshine
        }
    }

    /// Name used in messages.
    public var displayName: String {
        switch self {
        case .whisper: return "Whisper"
        case .senseVoice: return "SenseVoice"
        case .moonshine: return "Moonshine"
        }
    }

    /// File roles a manifest of this family must name, in the order they are checked.
    public var requiredFileRoles: [String] {
        switch self {
        case .whisper: return ["encoder", "decoder", "tokens"]
        case .senseVoice: return ["model", "tokens"]
        case .moonshine: return ["preprocessor", "encoder", "uncachedDecoder", "cachedDecoder", "tokens"]
        }
    }

    /// Roles whose files are ONNX models (checked to parse as ONNX before sherpa-onnx sees them).
    public var onnxFileRoles: [String] {
        requiredFileRoles.filter { $0 != "tokens" }
    }

    /// The ONNX role whose metadata sherpa-onnx reads when it loads the model, with the
    /// integer keys it requires: without one of them sherpa-onnx 2.0.1 ends the whole
    /// process (`_Exit(-1)`) instead of returning an error, so they are checked first.
    /// Moonshine v1 reads no metadata.
    public var requiredIntegerMetadata: (role: String, keys: [String])? {
        switch self {
        case .whisper:
            return (
                "encoder",
                [
                    "n_mels", "n_text_layer", "n_text_ctx", "n_text_state", "n_vocab", "sot", "eot", "blank_id",
                    "translate", "transcribe", "is_multilingual", "no_timestamps", "no_speech",
                ]
            )
        case .senseVoice:
            return ("model", ["vocab_size", "lfr_window_size", "lfr_window_shift", "normalize_samples"])
        case .moonshine:
            return nil
        }
    }

    /// Languages the `language` option accepts for SenseVoice (`auto` detects).
    public static let senseVoiceLanguages = ["auto", "zh", "en", "ja", "ko", "yue"]

    /// Longest stretch of audio decoded in one sherpa-onnx call, in seconds; longer audio is
    /// split into windows (at the quietest moment near each boundary). sherpa-onnx's Whisper
    /// silently keeps only the first ~29.5 s of a call; Moonshine and SenseVoice are used
    /// on the same window length to keep memory bounded and stay near their training lengths.
    public var maxWindowSeconds: Double { 28 }
}
