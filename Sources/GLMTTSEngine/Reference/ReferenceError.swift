import Foundation

/// A reference clip cannot be used for cloning, or the tools to examine it are missing.
public enum ReferenceError: GLMTTSError, Equatable {
    /// The clip has no samples.
    case empty
    /// The clip holds samples that are not finite numbers (NaN or infinity).
    case invalidSamples(count: Int)
    /// No speech was found in the clip.
    case noSpeech
    /// Less usable speech than `minimum` seconds (`speechSeconds` is what was found, or the
    /// whole clip's length when the clip itself is shorter than the minimum).
    case tooShort(speechSeconds: Double, minimum: Double)
    /// The VAD model is missing, is not a Silero model sherpa-onnx can run, or failed to load.
    case vadUnavailable(reason: String)

    /// Stable identifier, `reference.*`.
    public var code: String {
        switch self {
        case .empty: return ProblemCode.referenceEmpty
        case .invalidSamples: return ProblemCode.referenceInvalidSamples
        case .noSpeech: return ProblemCode.referenceNoSpeech
        case .tooShort: return ProblemCode.referenceTooShort
        case .vadUnavailable: return ProblemCode.referenceVadUnavailable
        }
    }

    /// Clip problems are `.invalidInput`; a missing or broken VAD model is `.unavailable`.
    public var category: ErrorCategory {
        switch self {
        case .vadUnavailable: return .unavailable
        case .empty, .invalidSamples, .noSpeech, .tooShort: return .invalidInput
        }
    }

    /// What went wrong and what to do about it.
    public var message: String {
        switch self {
        case .empty:
            return "The reference clip is empty; record 3–15 s of clear speech."
        case let .invalidSamples(count):
            return "The reference clip holds \(count) sample(s) that are not numbers (NaN or infinity); export or record it again."
        case .noSpeech:
            return "No speech was found in the reference clip; record 3–15 s of clear speech with little background noise."
        case let .tooShort(speech, minimum):
            return "The reference clip has only \(String(format: "%.1f", speech)) s of usable speech, less than the "
                + "\(String(format: "%.0f", minimum)) s minimum; record 3–15 s of speech."
        case let .vadUnavailable(reason):
            return "The voice activity detector is unavailable (\(reason)); run scripts/prepare-models to install silero-vad."
        }
    }
}
