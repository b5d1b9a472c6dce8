/// What a speech recognizer can do.
public struct RecognizerCapabilities: Sendable, Codable, Equatable {
    /// Languages it transcribes (`["en"]` for English-only models).
    public var languages: [String]
    /// Whether it only knows English (Whisper `.en` models): it cannot tell other
    /// languages apart and transcribes them as (wrong) English.
    public var englishOnly: Bool
    /// Sample rate it expects; callers resample to it.
    public var sampleRate: Int

    public init(languages: [String], englishOnly: Bool, sampleRate: Int = 16_000) {
        self.languages = languages
        self.englishOnly = englishOnly
        self.sampleRate = sampleRate
    }
}
