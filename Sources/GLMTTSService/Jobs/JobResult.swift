import GLMTTSEngine

/// What a completed job produced.
public enum JobResult: Sendable, Codable, Equatable {
    /// A synthesis result.
    case synthesis(SynthesisJobResult)
    /// A transcription result.
    case transcription(TranscriptionJobResult)

    /// The synthesis result, if this is one.
    public var synthesis: SynthesisJobResult? {
        if case let .synthesis(result) = self { return result }
        return nil
    }

    /// The transcription result, if this is one.
    public var transcription: TranscriptionJobResult? {
        if case let .transcription(result) = self { return result }
        return nil
    }
}
