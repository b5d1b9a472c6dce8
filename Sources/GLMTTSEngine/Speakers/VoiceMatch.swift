/// The built-in voice that sounds most like a reference clip (`voice_match=true`): not a
/// clone, the nearest stock voice by speaker embedding.
public struct VoiceMatch: Sendable, Codable, Equatable {
    /// The chosen voice.
    public var voice: String
    /// Cosine similarity of its embedding to the clip's (−1…1).
    public var similarity: Double
    /// Every voice compared, with its similarity, best first.
    public var compared: [VoiceSimilarity]

    public init(voice: String, similarity: Double, compared: [VoiceSimilarity]) {
        self.voice = voice
        self.similarity = similarity
        self.compared = compared
    }
}

/// One voice's similarity to a reference clip.
public struct VoiceSimilarity: Sendable, Codable, Equatable {
    /// The voice (model id).
    public var voice: String
    /// Cosine similarity of the embeddings.
    public var similarity: Double

    public init(voice: String, similarity: Double) {
        self.voice = voice
        self.similarity = similarity
    }
}
