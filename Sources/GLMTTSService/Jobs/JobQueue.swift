/// What accepts jobs and runs them: persisted before `submit` returns, run by lane and
/// priority, cancellable. `JobScheduler` is the in-process queue; it is the seam for a
/// queue shared by many nodes.
public protocol JobQueue: Sendable {
    /// Persists and queues `jobs` together (all or none). Throws `QueueFullError` when they
    /// do not fit, and a retryable problem while shutting down.
    func submit(_ jobs: [JobRecord]) async throws -> [JobRecord]
    /// Cancels a queued or running job; false when it had already finished or never existed.
    func cancel(_ id: JobID) async throws -> Bool
    /// Jobs running now.
    func runningCount() async -> Int
}

extension JobScheduler: JobQueue {}
