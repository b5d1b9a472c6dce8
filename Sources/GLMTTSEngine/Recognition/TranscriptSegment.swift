/// One timed piece of a transcript, with the recognizer's own confidence figures.
public struct TranscriptSegment: Sendable, Codable, Equatable {
    /// Start, seconds.
    public var start: Double
    /// End, seconds.
    public var end: Double
    /// Text of the segment.
    public var text: String
    /// Mean log-probability of its tokens (Whisper); closer to 0 is more confident.
    public var averageLogProbability: Double?
    /// Probability that the segment holds no speech (Whisper).
    public var noSpeechProbability: Double?
    /// Text compression ratio (Whisper); high values mean repetitive, hallucinated text.
    public var compressionRatio: Double?
    /// Its words with their times, when the recognizer was asked for them and can time words.
    public var words: [TranscriptWord]?

    public init(
        start: Double, end: Double, text: String, averageLogProbability: Double? = nil,
        noSpeechProbability: Double? = nil, compressionRatio: Double? = nil, words: [TranscriptWord]? = nil
    ) {
        self.words = words
        self.start = start
        self.end = end
        self.text = text
        self.averageLogProbability = averageLogProbability
        self.noSpeechProbability = noSpeechProbability
        self.compressionRatio = compressionRatio
    }
}
