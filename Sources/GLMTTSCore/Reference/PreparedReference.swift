/// A reference clip ready for a cloning engine: trimmed to its best window of speech.
public struct PreparedReference: Sendable {
    /// The audio to clone from (mono, at the requested sample rate).
    public var audio: AudioBuffer
    /// The clip's quality report.
    public var report: ReferenceQualityReport
}
