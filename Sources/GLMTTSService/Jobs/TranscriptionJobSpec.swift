import GLMTTSEngine

/// A transcription request as the queue stores it; the audio is the job's upload file.
public struct TranscriptionJobSpec: Sendable, Codable, Equatable {
    /// Recognizer model id; nil means the default recognizer.
    public var model: String?
    /// Language the client says the audio is in (ISO 639-1), if any.
    public var language: String?
    /// Apply the reference-transcript reliability rules and fail when they are not met.
    public var requireReliable: Bool

    public init(model: String? = nil, language: String? = nil, requireReliable: Bool = false) {
        self.model = model
        self.language = language
        self.requireReliable = requireReliable
    }
}
