/// The scores of one take of a sentence (internal to verification).
struct TakeScore: Sendable {
    var failures: [VerificationFailure]
    var heard: String?
    var errorRate: Double?
    var countsCharacters: Bool
    var speakerSimilarity: Double?
    var durationRatio: Double
    /// The recognizer's timed words, relative to the take's start.
    var words: [TranscriptWord]?

    var passed: Bool { failures.isEmpty }

    /// Whether this take is better to keep than `other`: fewer failures, then fewer errors.
    func isBetter(than other: TakeScore) -> Bool {
        if failures.count != other.failures.count { return failures.count < other.failures.count }
        return (errorRate ?? 0) < (other.errorRate ?? 0)
    }
}
