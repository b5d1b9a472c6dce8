/// How good a reference clip is for cloning, with warnings a person can act on.
public struct ReferenceQualityReport: Sendable, Codable, Equatable {
    /// Length of the clip as received, in seconds.
    public var durationSeconds: Double
    /// Length of the part that will be used (trimmed, best window), in seconds.
    public var preparedSeconds: Double
    /// Seconds of detected speech in the whole clip.
    public var speechSeconds: Double
    /// Speech ÷ duration.
    public var speechRatio: Double
    /// Sample peak in dBFS (0 = full scale; −∞ shown as −120).
    public var peakDBFS: Double
    /// Fraction of samples at or beyond ±0.999 (clipped).
    public var clippedFraction: Double
    /// RMS level of the speech in dBFS.
    public var rmsDBFS: Double
    /// Estimated signal-to-noise ratio in dB (speech energy vs. the pauses' energy); nil
    /// when it cannot be estimated (no speech).
    public var snrDB: Double?
    /// Sample rate of the clip as received.
    public var sampleRate: Int
    /// Which detector found the speech: `silero-vad` or `energy` (fallback).
    public var detector: String
    /// The window used, in seconds of the original clip.
    public var window: SpeechSegment?
    /// Problems worth fixing before cloning.
    public var warnings: [ReferenceWarning]

    public init(durationSeconds: Double, preparedSeconds: Double, speechSeconds: Double, speechRatio: Double,
                peakDBFS: Double, clippedFraction: Double, rmsDBFS: Double, snrDB: Double?, sampleRate: Int,
                detector: String, window: SpeechSegment?, warnings: [ReferenceWarning]) {
        self.durationSeconds = durationSeconds
        self.preparedSeconds = preparedSeconds
        self.speechSeconds = speechSeconds
        self.speechRatio = speechRatio
        self.peakDBFS = peakDBFS
        self.clippedFraction = clippedFraction
        self.rmsDBFS = rmsDBFS
        self.snrDB = snrDB
        self.sampleRate = sampleRate
        self.detector = detector
        self.window = window
        self.warnings = warnings
    }
}
