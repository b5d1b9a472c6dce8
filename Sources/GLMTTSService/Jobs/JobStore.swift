import Foundation
import GLMTTSEngine

/// Durable storage of jobs and their events.
///
/// Two implementations: SQLite (`SQLiteJobStore`, one node) and PostgreSQL
/// (`PostgresJobStore`, shared by many nodes, `isShared`). Every method is atomic on its own;
/// none holds a lock across calls. A job is in the store before any client hears of it.
///
/// A claim gives the attempt a lease (`JobRecord.leaseToken`, a fencing token; nil where the
/// store has no other node to fence off). Every change a run makes — progress, events, its
/// end — carries that token and changes nothing once the lease is lost: a worker that was
/// presumed dead and rescued cannot overwrite the attempt that replaced it. The store also
/// numbers events, so events written by several nodes form one gap-free sequence per job.
public protocol JobStore: Sendable {
    /// Persists a new queued job and returns it with its arrival `sequence` set. A shared
    /// store (`isShared`) stores the job's first event with it, in the same statement
    /// (`JobEvent.arrival`, number 1, with its place in the queue), because another node may
    /// claim the job the moment it is committed and its `started` must come after `queued`;
    /// a store of one node leaves that event to the scheduler.
    func insert(_ job: JobRecord) async throws -> JobRecord

    /// Persists many queued jobs at once (a batch), all or none.
    func insert(_ jobs: [JobRecord]) async throws -> [JobRecord]

    /// The job `id`, or nil.
    func job(_ id: JobID) async throws -> JobRecord?

    /// Atomically takes the next queued job of `lane` (highest priority, then oldest),
    /// marks it running, counts the attempt and stamps `startedAt`. Nil when none waits.
    func claimNext(lane: JobLane, now: Date) async throws -> JobRecord?

    /// Claims up to `count` queued jobs of `lane` at once (one statement on a shared store),
    /// in claim order; fewer, or none, when fewer are claimable.
    func claim(lane: JobLane, upTo count: Int, now: Date) async throws -> [JobRecord]

    /// Records progress of a running job (for status polling), while `lease` is current.
    func updateProgress(_ id: JobID, lease: Int64?, progress: Double, stage: JobStage?) async throws

    /// Moves a queued or running job to a final status with its result or problem; with a
    /// `lease`, only while that lease is current.
    func finish(_ id: JobID, lease: Int64?, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws

    /// Puts a running job back in the queue (keeping its place) after a retryable failure,
    /// while `lease` is current.
    func requeue(_ id: JobID, lease: Int64?, problem: JobProblem) async throws

    /// Cancels `id` if it is still queued; false when it is not (already running or final).
    func cancelIfQueued(_ id: JobID, at: Date) async throws -> Bool

    /// Deletes a job and its events.
    func delete(_ id: JobID) async throws

    /// Appends an event to a job's history under the next number of that job (the event's
    /// own `sequence` is ignored) and returns it numbered. Nil — nothing stored — when the
    /// job's final event is already stored, or `lease` is given and no longer current.
    /// Throws when the job does not exist.
    func appendEvent(_ event: JobEvent, lease: Int64?) async throws -> JobEvent?

    /// A job's events numbered above `sequence`, in order.
    func events(for id: JobID, after sequence: Int) async throws -> [JobEvent]

    /// For each job in `cursors`, its events numbered above the job's cursor, in order (jobs
    /// with none are left out): what a node following many jobs reads in one query.
    func events(after cursors: [JobID: Int]) async throws -> [JobID: [JobEvent]]

    /// Whether other nodes share this store: their events and jobs appear without passing
    /// through this process, so followers poll for them.
    var isShared: Bool { get }

    /// The store's change notifications, while the stream is iterated (its end stops them);
    /// nil when the store has none (one node's store, or a shared store that is only
    /// polled). They save the polling's delay; they never replace reading the store.
    func wakeUps() -> AsyncStream<StoreWakeUp>?

    /// Extends the leases of the runs listed (job → token) and says which of them a client
    /// asked to cancel (on any node) and which are lost (rescued, finished elsewhere).
    func renewLeases(_ leases: [JobID: Int64], now: Date) async throws -> LeaseRenewal

    /// Marks a job that runs on another node as to be cancelled (its node hears it with its
    /// next heartbeat); false when the job is not running.
    func requestCancel(_ id: JobID) async throws -> Bool

    /// Runs whose lease expired (their node died or lost the database): back to the queue
    /// after a back-off when attempts are left, else failed with `problem`. Safe to call
    /// from every node at once; each job is rescued once.
    func rescueExpiredLeases(problem: JobProblem, now: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord])

    /// 1-based position of a queued job in its lane (1 = next); nil when not queued.
    func queuePosition(of id: JobID) async throws -> Int?

    /// Number of queued jobs over all lanes.
    func queuedCount() async throws -> Int

    /// Lanes that have queued jobs.
    func lanesWithQueuedJobs() async throws -> Set<JobLane>

    /// Records this node's report (`NodeStatus`; its name is the store's node), and forgets
    /// nodes silent for a day.
    func announce(_ status: NodeStatus) async throws

    /// The nodes that reported since `date`, by name.
    func nodes(seenSince date: Date) async throws -> [NodeStatus]

    /// When the first queued job that is not claimable yet (waiting out a back-off after a
    /// rescue) becomes claimable; nil when there is none.
    func nextDelayedRun(after now: Date) async throws -> Date?

    /// At start, after a crash: jobs this node left `running` go back to the queue if they
    /// have attempts left, else fail with `problem`. Returns both lists. (A shared store
    /// leaves other nodes' runs to `rescueExpiredLeases`.)
    func recoverInterrupted(problem: JobProblem, at: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord])

    /// Final jobs that finished before `date` (for retention).
    func finishedJobs(before date: Date, limit: Int) async throws -> [JobRecord]

    /// Jobs of a batch, in batch order.
    func jobs(inBatch batchID: String) async throws -> [JobRecord]

    /// Whether the store can be written now (readiness check).
    func checkWritable() async throws
}

extension JobStore {
    /// No notifications: followers poll.
    public func wakeUps() -> AsyncStream<StoreWakeUp>? { nil }

    /// `claimNext` until `count` jobs or none is left; a failure after some claims returns
    /// those (they run), one before any is thrown.
    public func claim(lane: JobLane, upTo count: Int, now: Date) async throws -> [JobRecord] {
        var claimed: [JobRecord] = []
        do {
            while claimed.count < count, let job = try await claimNext(lane: lane, now: now) { claimed.append(job) }
        } catch {
            if claimed.isEmpty { throw error }
        }
        return claimed
    }

    /// One node: nothing to announce.
    public func announce(_ status: NodeStatus) async throws {}

    /// One node: no list of nodes.
    public func nodes(seenSince date: Date) async throws -> [NodeStatus] { [] }

    /// No delayed jobs: every queued job is claimable at once.
    public func nextDelayedRun(after now: Date) async throws -> Date? { nil }

    /// `updateProgress` without a lease (a store with one node).
    public func updateProgress(_ id: JobID, progress: Double, stage: JobStage?) async throws {
        try await updateProgress(id, lease: nil, progress: progress, stage: stage)
    }

    /// `finish` without a lease.
    public func finish(_ id: JobID, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws {
        try await finish(id, lease: nil, status: status, result: result, problem: problem, at: at)
    }

    /// `requeue` without a lease.
    public func requeue(_ id: JobID, problem: JobProblem) async throws {
        try await requeue(id, lease: nil, problem: problem)
    }

    /// `appendEvent` without a lease.
    @discardableResult
    public func appendEvent(_ event: JobEvent) async throws -> JobEvent? {
        try await appendEvent(event, lease: nil)
    }

    /// A job's whole history, in order.
    public func events(for id: JobID) async throws -> [JobEvent] {
        try await events(for: id, after: 0)
    }

    /// `events(after:)` one job at a time (for a store whose reads are local and cheap).
    public func events(after cursors: [JobID: Int]) async throws -> [JobID: [JobEvent]] {
        var fresh: [JobID: [JobEvent]] = [:]
        for (id, sequence) in cursors {
            let events = try await events(for: id, after: sequence)
            if !events.isEmpty { fresh[id] = events }
        }
        return fresh
    }
}
