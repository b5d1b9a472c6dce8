import GLMTTSEngine

/// What a finished transcription job produced.
public struct TranscriptionJobResult: Sendable, Codable, Equatable {
    /// The transcript.
    public var transcript: Transcript
    /// The recognizer model used.
    public var model: String
    /// Whether the transcript passed the reliability rules used for reference clips.
    public var reliable: Bool
    /// Why it did not, in plain words (empty when reliable).
    public var warnings: [String]
    /// Seconds spent in the recognizer.
    public var recognitionSeconds: Double

    public init(transcript: Transcript, model: String, reliable: Bool, warnings: [String], recognitionSeconds: Double) {
        self.transcript = transcript
        self.model = model
        self.reliable = reliable
        self.warnings = warnings
        self.recognitionSeconds = recognitionSeconds
    }
}
