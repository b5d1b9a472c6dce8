/// A synthesis or recognition engine could not do what was asked.
///
/// Shared by every engine (Piper, espeak-ng, ZipVoice/Pocket, workers).
public enum EngineError: GLMTTSError, Equatable {
    /// The engine clones voices and needs a reference clip (and, for some, its transcript).
    case referenceRequired(engine: String, what: String)
    /// The native engine returned no audio or an error.
    case generationFailed(engine: String, reason: String)
    /// The text produced nothing this engine can pronounce.
    case nothingToSpeak(engine: String)

    public var code: String {
        switch self {
        case .referenceRequired: return ProblemCode.engineReferenceRequired
        case .generationFailed: return ProblemCode.engineGenerationFailed
        case .nothingToSpeak: return ProblemCode.engineNothingToSpeak
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .referenceRequired, .nothingToSpeak: return .invalidInput
        case .generationFailed: return .internalFailure
        }
    }

    public var message: String {
        switch self {
        case let .referenceRequired(engine, what):
            return "The voice '\(engine)' clones a reference voice and needs \(what); pass one (CLI: --voice REF.wav --prompt-text \"…\")."
        case let .generationFailed(engine, reason):
            return "The voice '\(engine)' failed to generate audio: \(reason). Try again; if it persists, re-install the model."
        case let .nothingToSpeak(engine):
            return "The voice '\(engine)' found nothing it can pronounce in the text; check the text's language matches the voice."
        }
    }
}
