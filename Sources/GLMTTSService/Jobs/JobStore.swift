import Foundation
import GLMTTSEngine

/// Durable storage of jobs and their events.
///
/// Written so that more than one implementation can exist: SQLite (`SQLiteJobStore`) now,
/// PostgreSQL later, where `claimNext` becomes `SELECT … FOR UPDATE SKIP LOCKED` so several
/// servers can share one queue. Every method is atomic on its own; none holds a lock across
/// calls. A job is in the store before any client hears of it.
public protocol JobStore: Sendable {
    /// Persists a new queued job and returns it with its arrival `sequence` set.
    func insert(_ job: JobRecord) async throws -> JobRecord

    /// Persists many queued jobs at once (a batch), all or none.
    func insert(_ jobs: [JobRecord]) async throws -> [JobRecord]

    /// The job `id`, or nil.
    func job(_ id: JobID) async throws -> JobRecord?

    /// Atomically takes the next queued job of `lane` (highest priority, then oldest),
    /// marks it running, counts the attempt and stamps `startedAt`. Nil when none waits.
    func claimNext(lane: JobLane, now: Date) async throws -> JobRecord?

    /// Records progress of a running job (for status polling).
    func updateProgress(_ id: JobID, progress: Double, stage: JobStage?) async throws

    /// Moves a running job to a final status with its result or problem.
    func finish(_ id: JobID, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws

    /// Puts a running job back in the queue (keeping its place) after a retryable failure.
    func requeue(_ id: JobID, problem: JobProblem) async throws

    /// Cancels `id` if it is still queued; false when it is not (already running or final).
    func cancelIfQueued(_ id: JobID, at: Date) async throws -> Bool

    /// Deletes a job and its events.
    func delete(_ id: JobID) async throws

    /// Appends an event to a job's history.
    func appendEvent(_ event: JobEvent) async throws

    /// A job's events in order.
    func events(for id: JobID) async throws -> [JobEvent]

    /// 1-based position of a queued job in its lane (1 = next); nil when not queued.
    func queuePosition(of id: JobID) async throws -> Int?

    /// Number of queued jobs over all lanes.
    func queuedCount() async throws -> Int

    /// Lanes that have queued jobs.
    func lanesWithQueuedJobs() async throws -> Set<JobLane>

    /// After a crash: jobs left `running` go back to the queue if they have attempts left,
    /// else fail with `problem`. Returns both lists.
    func recoverInterrupted(problem: JobProblem, at: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord])

    /// Final jobs that finished before `date` (for retention).
    func finishedJobs(before date: Date, limit: Int) async throws -> [JobRecord]

    /// Jobs of a batch, in batch order.
    func jobs(inBatch batchID: String) async throws -> [JobRecord]

    /// Whether the store can be written now (readiness check).
    func checkWritable() async throws
}
