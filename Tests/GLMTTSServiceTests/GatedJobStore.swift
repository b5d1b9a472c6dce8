import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// The real `SQLiteJobStore`, with gates that hold chosen operations (most of them after they
/// took effect), so a test can act in the window between a store change and the caller's reaction.
final class GatedJobStore: JobStore {
    enum Point: Hashable, Sendable {
        /// `appendEvent` of a final event, held *before* it is written.
        case finalEvent
        /// `claimNext` that claimed a job.
        case claim
        /// `requeue`.
        case requeue
        /// `lanesWithQueuedJobs` (the start of every scheduler pump).
        case lanes
    }

    struct Gates: Sendable {
        var armed: Set<Point> = []
        var arrivals: [Point: Int] = [:]
    }

    let base: SQLiteJobStore
    let gates = JobTestProbe(Gates())

    init(base: SQLiteJobStore) { self.base = base }

    /// Holds later calls at `point` until `open(point)`.
    func arm(_ point: Point) { gates.update { $0.armed.insert(point) } }

    /// Lets held and later calls at `point` through.
    func open(_ point: Point) { gates.update { $0.armed.remove(point) } }

    /// Opens every gate.
    func openAll() { gates.update { $0.armed.removeAll() } }

    /// Waits until a call is held at `point`.
    func waitForArrival(at point: Point, count: Int = 1) async throws {
        try await gates.wait("a call held at \(point)") { ($0.arrivals[point] ?? 0) >= count }
    }

    private func pass(_ point: Point) async {
        guard gates.value.armed.contains(point) else { return }
        gates.update { $0.arrivals[point, default: 0] += 1 }
        try? await gates.wait(until: { !$0.armed.contains(point) })
    }

    func insert(_ job: JobRecord) async throws -> JobRecord { try await base.insert(job) }
    func insert(_ jobs: [JobRecord]) async throws -> [JobRecord] { try await base.insert(jobs) }
    func job(_ id: JobID) async throws -> JobRecord? { try await base.job(id) }
    func claimNext(lane: JobLane, now: Date) async throws -> JobRecord? {
        let job = try await base.claimNext(lane: lane, now: now)
        if job != nil { await pass(.claim) }
        return job
    }
    func updateProgress(_ id: JobID, lease: Int64?, progress: Double, stage: JobStage?) async throws {
        try await base.updateProgress(id, lease: lease, progress: progress, stage: stage)
    }
    func finish(_ id: JobID, lease: Int64?, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws {
        try await base.finish(id, lease: lease, status: status, result: result, problem: problem, at: at)
    }
    func requeue(_ id: JobID, lease: Int64?, problem: JobProblem) async throws {
        try await base.requeue(id, lease: lease, problem: problem)
        await pass(.requeue)
    }
    func cancelIfQueued(_ id: JobID, at: Date) async throws -> Bool { try await base.cancelIfQueued(id, at: at) }
    func delete(_ id: JobID) async throws { try await base.delete(id) }
    func appendEvent(_ event: JobEvent, lease: Int64?) async throws -> JobEvent? {
        if event.kind.isFinal { await pass(.finalEvent) }
        return try await base.appendEvent(event, lease: lease)
    }
    func events(for id: JobID, after sequence: Int) async throws -> [JobEvent] { try await base.events(for: id, after: sequence) }
    var isShared: Bool { base.isShared }
    func renewLeases(_ leases: [JobID: Int64], now: Date) async throws -> LeaseRenewal {
        try await base.renewLeases(leases, now: now)
    }
    func requestCancel(_ id: JobID) async throws -> Bool { try await base.requestCancel(id) }
    func rescueExpiredLeases(problem: JobProblem, now: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord]) {
        try await base.rescueExpiredLeases(problem: problem, now: now)
    }
    func queuePosition(of id: JobID) async throws -> Int? { try await base.queuePosition(of: id) }
    func queuedCount() async throws -> Int { try await base.queuedCount() }
    func lanesWithQueuedJobs() async throws -> Set<JobLane> {
        let lanes = try await base.lanesWithQueuedJobs()
        await pass(.lanes)
        return lanes
    }
    func recoverInterrupted(problem: JobProblem, at: Date) async throws
        -> (requeued: [JobRecord], failed: [JobRecord])
    {
        try await base.recoverInterrupted(problem: problem, at: at)
    }
    func finishedJobs(before date: Date, limit: Int) async throws -> [JobRecord] {
        try await base.finishedJobs(before: date, limit: limit)
    }
    func jobs(inBatch batchID: String) async throws -> [JobRecord] { try await base.jobs(inBatch: batchID) }
    func checkWritable() async throws { try await base.checkWritable() }
}
