/// A reference clip ready for a cloning engine: trimmed to its best window of speech.
public struct PreparedReference: Sendable {
    /// The audio to clone from (mono, at the requested sample rate).
    public var audio: AudioBuffer
    /// The clip's quality report (measured on the original clip).
    public var report: ReferenceQualityReport
    /// The part of the original clip that `audio` holds, in seconds of the original clip.
    public var window: SpeechSegment

    /// Bundles prepared audio with its report and the window it was cut from.
    public init(audio: AudioBuffer, report: ReferenceQualityReport, window: SpeechSegment) {
        self.audio = audio
        self.report = report
        self.window = window
    }
}
