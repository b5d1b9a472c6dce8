import GLMTTSEngine
/// What a running job uses to tell the world how it is doing. Calls are cheap and may come
/// from any thread; events are delivered in the order of the calls.
public struct JobReporter: Sendable {
    private let emit: @Sendable (JobEvent.Kind, String?, Double?, Int?, Int?, String?) -> Void
    private let audio: @Sendable (AudioBuffer) -> Void

    /// A reporter forwarding to `emit(kind, stage, fraction, sentence, sentenceCount, detail)` and `audio`.
    public init(emit: @escaping @Sendable (JobEvent.Kind, String?, Double?, Int?, Int?, String?) -> Void,
                audio: @escaping @Sendable (AudioBuffer) -> Void) {
        self.emit = emit
        self.audio = audio
    }

    /// A reporter that drops everything (for tests and tools).
    public static let silent = JobReporter(emit: { _, _, _, _, _, _ in }, audio: { _ in })

    /// The job entered `stage`.
    public func stage(_ stage: String, fraction: Double, detail: String? = nil) {
        emit(.stage, stage, fraction, nil, nil, detail)
    }

    /// Progress within `stage`; `sentence` is 1-based.
    public func progress(_ stage: String, fraction: Double, sentence: Int? = nil, of sentenceCount: Int? = nil,
                         detail: String? = nil) {
        emit(.progress, stage, fraction, sentence, sentenceCount, detail)
    }

    /// A piece of the job's audio is ready (for streaming clients).
    public func audioChunk(_ chunk: AudioBuffer) {
        audio(chunk)
    }
}
