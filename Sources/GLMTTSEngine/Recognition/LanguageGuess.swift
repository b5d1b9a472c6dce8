/// A recognizer's identification of the language of some speech.
public struct LanguageGuess: Sendable, Equatable, Codable {
    /// The likeliest language (ISO 639-1, as Whisper names it).
    public var language: String
    /// Its probability, 0…1.
    public var probability: Double

    public init(language: String, probability: Double) {
        self.language = language
        self.probability = probability
    }
}
