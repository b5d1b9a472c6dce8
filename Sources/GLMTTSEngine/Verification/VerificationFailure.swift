/// What a take failed: each a stable code in job results and progress.
public enum VerificationFailure: String, Sendable, Codable, Equatable, CaseIterable {
    /// The recognizer heard other words than the text (`maxErrorRate`).
    case text
    /// The take is (nearly) silent.
    case silence
    /// Too much of the take is at full scale.
    case clipping
    /// The take is far shorter or longer than its text takes to say: words skipped or repeated.
    case duration
    /// The voice is not the reference's (`minSpeakerSimilarity`).
    case speaker
}
