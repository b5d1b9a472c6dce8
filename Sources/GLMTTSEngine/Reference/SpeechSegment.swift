/// A stretch of time in a clip, in seconds from its start: a span of speech, or a window.
public struct SpeechSegment: Sendable, Codable, Equatable {
    /// Start time in seconds.
    public var start: Double
    /// End time in seconds (not before `start`).
    public var end: Double

    /// A span from `start` to `end` seconds.
    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Length in seconds.
    public var duration: Double { end - start }
}
