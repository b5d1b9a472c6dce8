import GLMTTSEngine

/// What a job does.
public enum JobKind: String, Sendable, Codable, CaseIterable {
    /// Text to speech.
    case synthesis
    /// Speech to text.
    case transcription
}
