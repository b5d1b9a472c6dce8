import Foundation

extension EngineRegistry {
    /// Transcribes `audio` with the recognizer its language calls for: the one named by
    /// `model`; else, for a given `language`, the default recognizer when it covers it
    /// (tiny.en for English) or the multilingual one; else, with a multilingual model
    /// installed, the language is identified first (Whisper base) and routed the same way.
    /// Throws `TranscriptionError.unsupportedLanguage` when the recognizer cannot hear the
    /// language, and the recognizer's own errors.
    public func transcribe(_ audio: AudioBuffer, model: String?, language: String?) async throws
        -> (recognizer: any SpeechRecognizer, transcript: Transcript) {
        var language = language.map(LanguageCode.primary).flatMap { $0.isEmpty ? nil : $0 }
        var named: (any SpeechRecognizer)?
        if let model { named = try await recognizer(id: model) }
        var guess: LanguageGuess?
        if named == nil, language == nil, let identifier = try await languageIdentifier() {
            guess = try await identifier.identifyLanguage(audio)
            if let guess, guess.probability >= ReferenceTranscriber.minLanguageProbability { language = guess.language }
        }
        let chosen: any SpeechRecognizer
        if let named {
            chosen = named
        } else if let language {
            chosen = try await recognizer(forLanguage: language)
        } else if let identifier = try await languageIdentifier() {
            chosen = identifier
        } else {
            chosen = try await recognizer()
        }
        if let language, !LanguageCode.covers(chosen.capabilities.languages, language) {
            throw TranscriptionError.unsupportedLanguage(recognizer: chosen.id, language: language)
        }
        var transcript = try await chosen.transcribe(audio, language: language)
        if let guess, transcript.languageProbability == nil, transcript.language == guess.language {
            transcript.languageProbability = guess.probability
        }
        return (chosen, transcript)
    }
}
