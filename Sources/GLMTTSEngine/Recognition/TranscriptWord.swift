/// One word a recognizer heard, with its time in the audio (Whisper's word timestamps).
public struct TranscriptWord: Sendable, Codable, Equatable {
    /// Start, seconds.
    public var start: Double
    /// End, seconds.
    public var end: Double
    /// The word as the recognizer spelled it (Whisper keeps a leading space).
    public var text: String
    /// The recognizer's probability for the word, 0…1.
    public var probability: Double?

    public init(start: Double, end: Double, text: String, probability: Double? = nil) {
        self.start = start
        self.end = end
        self.text = text
        self.probability = probability
    }
}
