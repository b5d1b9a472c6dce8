/// A speech-to-text engine.
public protocol SpeechRecognizer: Sendable {
    /// Model id (its manifest id).
    var id: String { get }
    /// What it can do.
    var capabilities: RecognizerCapabilities { get }
    /// Transcribes `audio` (any sample rate; implementations resample). `language` (an ISO
    /// 639-1 code) says what the speech is in; nil lets a multilingual model detect it.
    func transcribe(_ audio: AudioBuffer, language: String?) async throws -> Transcript
    /// Whether `transcribeTimingWords` gives each segment its timed `words`.
    var timesWords: Bool { get }
    /// Transcribes `audio` like `transcribe`, with each segment's `words` timed when the
    /// recognizer can (`timesWords`); the default is `transcribe`, without words.
    func transcribeTimingWords(_ audio: AudioBuffer, language: String?) async throws -> Transcript
}

extension SpeechRecognizer {
    public var timesWords: Bool { false }

    public func transcribeTimingWords(_ audio: AudioBuffer, language: String?) async throws -> Transcript {
        try await transcribe(audio, language: language)
    }

    /// Transcribes `audio`, detecting its language where the model can.
    public func transcribe(_ audio: AudioBuffer) async throws -> Transcript {
        try await transcribe(audio, language: nil)
    }
}
