/// A reference clip cannot be used for cloning.
public enum ReferenceError: GLMTTSError, Equatable {
    /// The clip has no samples.
    case empty
    /// No speech was found in the clip.
    case noSpeech
    /// Less speech than the minimum.
    case tooShort(speechSeconds: Double, minimum: Double)
    /// The VAD model is missing or failed to load.
    case vadUnavailable(reason: String)

    public var code: String {
        switch self {
        case .empty: return "reference.empty"
        case .noSpeech: return "reference.no_speech"
        case .tooShort: return "reference.too_short"
        case .vadUnavailable: return "reference.vad_unavailable"
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .vadUnavailable: return .unavailable
        default: return .invalidInput
        }
    }

    public var message: String {
        switch self {
        case .empty:
            return "The reference clip is empty; record 3–15 s of clear speech."
        case .noSpeech:
            return "No speech was found in the reference clip; record 3–15 s of clear speech with little background noise."
        case let .tooShort(speech, minimum):
            return "The reference clip has only \(String(format: "%.1f", speech)) s of speech, less than the \(String(format: "%.0f", minimum)) s minimum; record 3–15 s of speech."
        case let .vadUnavailable(reason):
            return "The voice activity detector is unavailable (\(reason)); run scripts/prepare-models to install silero-vad."
        }
    }
}
