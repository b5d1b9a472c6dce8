/// When a synthesised sentence fails verification, and how many takes it gets.
public struct VerificationThresholds: Sendable, Codable, Equatable {
    /// The most word error rate (characters for Chinese and Japanese) a take may have
    /// against its text: substitutions, deletions and insertions over the text's length.
    public var maxErrorRate: Double
    /// The least speaker similarity to the reference a cloned take may have (GE2E: the same
    /// voice scores about 0.9, different voices 0.6–0.75).
    public var minSpeakerSimilarity: Double
    /// The most of a take's samples that may be at full scale.
    public var maxClippedFraction: Double
    /// The range a take's length may have, as a multiple of the length its text takes at
    /// the language's usual rate (and the requested speed): outside it, words were skipped or
    /// repeated.
    public var durationRatio: ClosedRange<Double>
    /// Takes per sentence at most, the first included.
    public var maxAttempts: Int

    /// The defaults: error rate ≤ 0.35, similarity ≥ 0.7, ≤ 1 % clipped, 0.4–2.5 × the usual
    /// length, 3 takes.
    public init(
        maxErrorRate: Double = 0.35, minSpeakerSimilarity: Double = 0.7, maxClippedFraction: Double = 0.01,
        durationRatio: ClosedRange<Double> = 0.4...2.5, maxAttempts: Int = 3
    ) {
        self.maxErrorRate = maxErrorRate
        self.minSpeakerSimilarity = minSpeakerSimilarity
        self.maxClippedFraction = maxClippedFraction
        self.durationRatio = durationRatio
        self.maxAttempts = max(1, maxAttempts)
    }
}
