/// Where one chunk of a job's text is in its audio: the exact span the engine produced for
/// it (chunks are concatenated, so spans are contiguous and in order).
public struct SpokenSentence: Sendable, Codable, Equatable {
    /// What the chunk says.
    public var text: String
    /// Start in the audio, seconds.
    public var start: Double
    /// End in the audio, seconds.
    public var end: Double

    public init(text: String, start: Double, end: Double) {
        self.text = text
        self.start = start
        self.end = end
    }
}
