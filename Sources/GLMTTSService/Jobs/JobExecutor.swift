import GLMTTSEngine

/// Runs jobs of the kinds it handles. The scheduler calls it with a claimed job; it must
/// honour task cancellation and report progress through `reporter`.
public protocol JobExecutor: Sendable {
    /// Does the job's work and returns its result. Throwing a retryable `JobProblem` or
    /// `WorkerError` lets the scheduler try again (bounded by the job's `maxAttempts`).
    func execute(_ job: JobRecord, reporter: JobReporter) async throws -> JobResult
}
