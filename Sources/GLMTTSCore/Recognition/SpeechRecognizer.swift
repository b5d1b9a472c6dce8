/// A speech-to-text engine.
public protocol SpeechRecognizer: Sendable {
    /// Model id (its manifest id).
    var id: String { get }
    /// What it can do.
    var capabilities: RecognizerCapabilities { get }
    /// Transcribes `audio` (any sample rate; implementations resample).
    func transcribe(_ audio: AudioBuffer) async throws -> Transcript
}
