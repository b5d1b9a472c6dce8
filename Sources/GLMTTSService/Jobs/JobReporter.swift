import GLMTTSEngine

/// What a running job uses to tell the world how it is doing. Calls are cheap and may come
/// from any thread; events are delivered in the order of the calls.
public struct JobReporter: Sendable {
    private let emit: @Sendable (JobEvent.Kind, JobProgress) -> Void
    private let audio: @Sendable (AudioBuffer) -> Void

    /// A reporter forwarding each `stage`/`progress` call to `emit` (kind `.stage` or
    /// `.progress`) and each audio chunk to `audio`.
    public init(
        emit: @escaping @Sendable (JobEvent.Kind, JobProgress) -> Void,
        audio: @escaping @Sendable (AudioBuffer) -> Void
    ) {
        self.emit = emit
        self.audio = audio
    }

    /// A reporter that drops everything (for tests and tools).
    public static let silent = JobReporter(emit: { _, _ in }, audio: { _ in })

    /// The job entered `stage`.
    public func stage(_ stage: JobStage, fraction: Double, detail: String? = nil) {
        emit(.stage, JobProgress(stage: stage, fraction: fraction, detail: detail))
    }

    /// Progress within a stage (`progress.sentence` is 1-based).
    public func progress(_ progress: JobProgress) {
        emit(.progress, progress)
    }

    /// A piece of the job's audio is ready (for streaming clients).
    public func audioChunk(_ chunk: AudioBuffer) {
        audio(chunk)
    }
}
