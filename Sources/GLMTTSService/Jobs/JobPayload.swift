import GLMTTSEngine

/// What a job was asked to do.
public enum JobPayload: Sendable, Codable, Equatable {
    /// Text to speech.
    case synthesis(SynthesisJobSpec)
    /// Speech to text.
    case transcription(TranscriptionJobSpec)

    /// The job kind this payload belongs to.
    public var kind: JobKind {
        switch self {
        case .synthesis: return .synthesis
        case .transcription: return .transcription
        }
    }
}
