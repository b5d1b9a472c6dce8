import Foundation

extension EngineRegistry {
    /// The multilingual faster-whisper model (languages `*`, or more than one), which also
    /// identifies languages; nil when none is installed.
    public nonisolated func multilingualRecognizerModel() -> InstalledModel? {
        catalogue.current.models.first { model in
            model.manifest.engine == .fasterWhisper && !model.manifest.id.hasSuffix(".en")
                && (model.manifest.languages.contains("*") || model.manifest.languages.count > 1)
        }
    }

    /// The multilingual recognizer that identifies languages, if one is installed.
    public func languageIdentifier() async throws -> FasterWhisperRecognizer? {
        guard let model = multilingualRecognizerModel() else { return nil }
        return try await recognizer(id: model.manifest.id) as? FasterWhisperRecognizer
    }

    /// The recognizer for speech in `language`: the default one when it covers the language
    /// (tiny.en for English), else the multilingual one when it does, else the default (which
    /// will answer in its own language, or refuse).
    public func recognizer(forLanguage language: String) async throws -> any SpeechRecognizer {
        let standard = try await recognizer()
        if LanguageCode.covers(standard.capabilities.languages, language) { return standard }
        if let multilingual = try await languageIdentifier(), LanguageCode.covers(multilingual.capabilities.languages, language) {
            return multilingual
        }
        return standard
    }

    /// Transcribes `audio` with the recognizer its language calls for: the one named by
    /// `model`; else, for a given `language`, the default recognizer when it covers it
    /// (tiny.en for English) or the multilingual one; else, with a multilingual model
    /// installed, the language is identified first (Whisper base) and routed the same way.
    /// Throws `TranscriptionError.unsupportedLanguage` when the recognizer cannot hear the
    /// language, and the recognizer's own errors.
    public func transcribe(_ audio: AudioBuffer, model: String?, language: String?) async throws
        -> (recognizer: any SpeechRecognizer, transcript: Transcript)
    {
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
