/// How one sentence of a job fared: the scores of the take that was kept, and how many
/// takes it took.
public struct SentenceVerification: Sendable, Codable, Equatable {
    /// Position of the sentence in the job, from 0.
    public var index: Int
    /// The sentence.
    public var text: String
    /// Takes made (1 when the first passed).
    public var attempts: Int
    /// Whether the kept take passed every check.
    public var passed: Bool
    /// What the kept take failed (empty when it passed).
    public var failures: [VerificationFailure]
    /// What the recognizer heard in the kept take; nil when no recognizer hears the language.
    public var heard: String?
    /// Word (or, for Chinese and Japanese, character) error rate of the kept take.
    public var errorRate: Double?
    /// Whether `errorRate` counts characters (Chinese, Japanese) rather than words.
    public var errorRateCountsCharacters: Bool
    /// Speaker similarity of the kept take to the reference (cloned output only).
    public var speakerSimilarity: Double?
    /// The kept take's length over the length its text usually takes.
    public var durationRatio: Double
    /// Seconds spent checking takes (transcription, similarity), regenerations excluded.
    public var checkSeconds: Double
    /// Seconds spent making the takes after the first.
    public var retakeSeconds: Double

    public init(
        index: Int, text: String, attempts: Int, passed: Bool, failures: [VerificationFailure], heard: String?,
        errorRate: Double?, errorRateCountsCharacters: Bool, speakerSimilarity: Double?, durationRatio: Double,
        checkSeconds: Double, retakeSeconds: Double
    ) {
        self.index = index
        self.text = text
        self.attempts = attempts
        self.passed = passed
        self.failures = failures
        self.heard = heard
        self.errorRate = errorRate
        self.errorRateCountsCharacters = errorRateCountsCharacters
        self.speakerSimilarity = speakerSimilarity
        self.durationRatio = durationRatio
        self.checkSeconds = checkSeconds
        self.retakeSeconds = retakeSeconds
    }
}
