/// How good a reference clip is for cloning, with warnings a person can act on.
///
/// Levels are measured on the clip as received (before resampling). How each number is
/// estimated (clipping runs, speech level, noise frames) is documented on `ReferencePreparer`.
public struct ReferenceQualityReport: Sendable, Codable, Equatable {
    /// Length of the clip as received, in seconds.
    public var durationSeconds: Double
    /// Length of the part that will be used (trimmed, best window), in seconds; 0 without speech.
    public var preparedSeconds: Double
    /// Seconds of detected speech in the whole clip.
    public var speechSeconds: Double
    /// Seconds of detected speech inside the used window.
    public var windowSpeechSeconds: Double
    /// `speechSeconds ÷ durationSeconds`.
    public var speechRatio: Double
    /// Sample peak in dBFS (0 = full scale; digital silence is −120).
    public var peakDBFS: Double
    /// Fraction of samples that are clipped: in runs of at least
    /// `ReferencePreparer.clippedRunLength` samples with |x| ≥ `ReferencePreparer.clipLevel`.
    public var clippedFraction: Double
    /// RMS level of the speech in dBFS (of the whole clip when no speech was found).
    public var rmsDBFS: Double
    /// Estimated signal-to-noise ratio in dB (speech level over the pauses' level, capped at
    /// `ReferencePreparer.maximumSNR`); nil without speech.
    public var snrDB: Double?
    /// Sample rate of the clip as received.
    public var sampleRate: Int
    /// Which detector found the speech (`silero-vad`, or `energy` when no VAD was available).
    public var detector: SpeechDetectorKind
    /// The window used, in seconds of the original clip; nil without speech.
    public var window: SpeechSegment?
    /// Problems worth fixing before cloning; empty for a good clip.
    public var warnings: [ReferenceWarning]

    /// A report with every field given.
    public init(
        durationSeconds: Double, preparedSeconds: Double, speechSeconds: Double, windowSpeechSeconds: Double,
        speechRatio: Double, peakDBFS: Double, clippedFraction: Double, rmsDBFS: Double, snrDB: Double?,
        sampleRate: Int, detector: SpeechDetectorKind, window: SpeechSegment?, warnings: [ReferenceWarning]
    ) {
        self.durationSeconds = durationSeconds
        self.preparedSeconds = preparedSeconds
        self.speechSeconds = speechSeconds
        self.windowSpeechSeconds = windowSpeechSeconds
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

    /// Whether a warning with `code` is present.
    public func has(_ code: ReferenceWarning.Code) -> Bool {
        warnings.contains { $0.code == code.rawValue }
    }
}
