/// What a recognizer heard.
public struct Transcript: Sendable, Codable, Equatable {
    /// The whole text.
    public var text: String
    /// Detected (or, for single-language models, fixed) language code.
    public var language: String?
    /// The recognizer's confidence in `language`, when it detects languages.
    public var languageProbability: Double?
    /// Seconds of audio transcribed.
    public var duration: Double
    /// Timed segments.
    public var segments: [TranscriptSegment]

    public init(text: String, language: String?, languageProbability: Double?, duration: Double, segments: [TranscriptSegment]) {
        self.text = text
        self.language = language
        self.languageProbability = languageProbability
        self.duration = duration
        self.segments = segments
    }
}
