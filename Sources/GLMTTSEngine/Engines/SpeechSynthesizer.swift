/// A text-to-speech engine.
///
/// `synthesize` returns a stream of events: progress, audio chunks sentence by sentence,
/// then one `.finished`. Cancelling the consuming task (or dropping the stream) cancels
/// the synthesis: the engine stops at the next sentence or callback boundary and the
/// stream ends with `CancellationError`.
public protocol SpeechSynthesizer: Sendable {
    /// Stable identifier of the loaded model (its manifest id).
    var id: String { get }
    /// What this engine can do.
    var capabilities: SynthesizerCapabilities { get }
    /// Starts synthesising `request`. Validation errors surface as the stream's error.
    func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error>
}
