import GLMTTSEngine

/// Durable storage of saved voices' metadata (the clips are blobs, see `BlobKey`).
public protocol VoiceStore: Sendable {
    /// Saves a new voice.
    func insert(_ voice: VoiceRecord) async throws
    /// The voice `id`, or nil.
    func voice(id: String) async throws -> VoiceRecord?
    /// Voices whose name is exactly `name` (names are not unique), newest first.
    func voices(named name: String) async throws -> [VoiceRecord]
    /// All voices, newest first.
    func allVoices() async throws -> [VoiceRecord]
    /// Deletes a voice; false when there was none.
    func delete(id: String) async throws -> Bool
}
