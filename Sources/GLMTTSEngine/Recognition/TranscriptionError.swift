/// A reference clip's transcript cannot be trusted, so it is not used.
public enum TranscriptionError: GLMTTSError, Equatable {
    /// The recognizer heard no speech.
    case noSpeech(recognizer: String)
    /// The recognizer's own confidence is too low (mean token log-probability).
    case lowConfidence(recognizer: String, averageLogProbability: Double, englishOnly: Bool)
    /// The transcript is repetitive, a typical hallucination (compression ratio).
    case repetitive(recognizer: String, compressionRatio: Double)
    /// The transcript is mostly digits and symbols rather than words: what a model does
    /// with speech in a language it does not know.
    case notWords(recognizer: String, letterShare: Double)
    /// The recognizer detected a language it cannot transcribe well.
    case unsupportedLanguage(recognizer: String, language: String)
    /// A multilingual recognizer could not tell which language the clip is in (its most
    /// likely language had only `probability`): noise, music, or a language it does not know.
    case languageUncertain(recognizer: String, language: String, probability: Double)
    /// No recognizer model is installed.
    case noRecognizer

    public var code: String {
        switch self {
        case .noSpeech: return ProblemCode.transcriptionNoSpeech
        case .lowConfidence: return ProblemCode.transcriptionLowConfidence
        case .repetitive: return ProblemCode.transcriptionRepetitive
        case .notWords: return ProblemCode.transcriptionNotWords
        case .unsupportedLanguage: return ProblemCode.transcriptionUnsupportedLanguage
        case .languageUncertain: return ProblemCode.transcriptionLanguageUncertain
        case .noRecognizer: return ProblemCode.transcriptionNoRecognizer
        }
    }

    public var category: ErrorCategory {
        self == .noRecognizer ? .unavailable : .invalidInput
    }

    private static let advice = "Type the reference text yourself (CLI: --prompt-text)"

    public var message: String {
        switch self {
        case let .noSpeech(recognizer):
            return "\(recognizer) heard no speech in the reference clip. Record 3–15 s of clear speech, or \(Self.advice.lowercasedFirst)."
        case let .lowConfidence(recognizer, logProbability, englishOnly):
            let hint =
                englishOnly
                ? "; \(recognizer) only understands English, so if the clip is in another language install a multilingual Whisper model"
                : ""
            return
                "\(recognizer) is not confident in its transcript of the reference clip (mean log-probability \(String(format: "%.2f", logProbability)))\(hint). \(Self.advice)."
        case let .repetitive(recognizer, ratio):
            return
                "\(recognizer) produced a repetitive transcript (compression ratio \(String(format: "%.1f", ratio))), a sign it misheard. \(Self.advice)."
        case let .notWords(recognizer, share):
            return
                "\(recognizer)'s transcript of the reference clip is mostly digits and symbols (\(Int((share * 100).rounded()))% letters), so it did not understand the speech — perhaps it is not in a language it knows. \(Self.advice)."
        case let .unsupportedLanguage(recognizer, language):
            return
                "The reference clip seems to be in '\(language)', which \(recognizer) cannot transcribe. \(Self.advice), or install a model for that language."
        case let .languageUncertain(recognizer, language, probability):
            return
                "\(recognizer) cannot tell which language the reference clip is in (at best '\(language)', \(Int((probability * 100).rounded()))% likely), so it is not transcribed — it may be noise, music, or a language the recognizer does not know. \(Self.advice)."
        case .noRecognizer:
            return
                "No speech recognizer is installed, so the reference text cannot be filled in automatically. \(Self.advice), or run scripts/prepare-models."
        }
    }
}

private extension String {
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
