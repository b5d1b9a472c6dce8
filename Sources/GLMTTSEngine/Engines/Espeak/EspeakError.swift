/// espeak-ng could not do what was asked.
public enum EspeakError: GLMTTSError, Equatable {
    /// espeak-ng failed to start (its data files are missing).
    case initializationFailed
    /// The voice/language name is unknown to espeak-ng.
    case unknownVoice(String)
    /// Synthesis returned an error code.
    case synthesisFailed(code: Int)

    public var code: String {
        switch self {
        case .initializationFailed: return ProblemCode.espeakInitializationFailed
        case .unknownVoice: return ProblemCode.espeakUnknownVoice
        case .synthesisFailed: return ProblemCode.espeakSynthesisFailed
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .unknownVoice: return .invalidInput
        case .initializationFailed: return .unavailable
        case .synthesisFailed: return .internalFailure
        }
    }

    public var message: String {
        switch self {
        case .initializationFailed:
            return "espeak-ng could not start: its data (espeak-ng-data) is missing. Run scripts/bootstrap to install it."
        case let .unknownVoice(voice):
            return "espeak-ng has no voice '\(voice)'. Run `espeak-ng --voices` (package espeak-ng) to list the available ones."
        case let .synthesisFailed(code):
            return "espeak-ng failed to synthesise the text (error \(code))."
        }
    }
}
