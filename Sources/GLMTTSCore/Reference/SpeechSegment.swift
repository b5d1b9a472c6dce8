/// A stretch of speech, in seconds from the start of the audio.
public struct SpeechSegment: Sendable, Codable, Equatable {
    /// Start time in seconds.
    public var start: Double
    /// End time in seconds.
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Length in seconds.
    public var duration: Double { end - start }
}
