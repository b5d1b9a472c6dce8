import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// A scheduler over a real SQLite file (through `GatedJobStore`), a hub and a scripted executor.
final class SchedulerHarness: Sendable {
    let files: JobTestDatabase
    let database: ServiceDatabase
    let sqlite: SQLiteJobStore
    let store: GatedJobStore
    let hub: ProgressHub
    let executor: ScriptedExecutor
    let scheduler: JobScheduler

    private init(files: JobTestDatabase, configuration: JobSchedulerConfiguration, scripts: [String: JobScript]) throws {
        self.files = files
        database = try files.open()
        sqlite = SQLiteJobStore(database: database)
        store = GatedJobStore(base: sqlite)
        hub = ProgressHub(store: store)
        executor = ScriptedExecutor(scripts)
        scheduler = JobScheduler(store: store, hub: hub, executor: executor, configuration: configuration)
    }

    /// Runs `body` with a started scheduler, then shuts it down and deletes the database.
    static func with(
        slots: [JobLane: Int] = [.cpu: 1], maxQueued: Int = 100, scripts: [String: JobScript] = [:],
        files: JobTestDatabase? = nil,
        _ body: (SchedulerHarness) async throws -> Void
    ) async throws {
        let harness = try SchedulerHarness(
            files: try files ?? JobTestDatabase(),
            configuration: JobSchedulerConfiguration(slots: slots, maxQueued: maxQueued),
            scripts: scripts)
        do {
            try await harness.scheduler.start()
            try await body(harness)
        } catch {
            await harness.close()
            throw error
        }
        await harness.close()
    }

    private func close() async {
        store.openAll()
        let done = JobTestProbe(false)
        let scheduler = self.scheduler
        Task {
            await scheduler.shutdown(gracePeriod: .zero)
            done.update { $0 = true }
        }
        do {
            try await done.wait("the scheduler to shut down") { $0 }
        } catch {
            Issue.record(error)
        }
        await closeOffThePool(database)
        files.remove()
    }

    /// Submits a job speaking `text`.
    @discardableResult
    func submit(_ text: String, lane: JobLane = .cpu, priority: Int = 0, maxAttempts: Int = 3) async throws -> JobRecord {
        try await scheduler.submit(
            JobSamples.job(
                text, lane: lane, priority: priority, maxAttempts: maxAttempts,
                createdAt: Date()))
    }

    /// Subscribes to a job's events.
    func record(_ id: JobID) async throws -> EventRecorder {
        try await EventRecorder.subscribe(hub, to: id)
    }

    /// Waits for the final event of each job and returns each job's whole event list.
    func finalEvents(of ids: [JobID]) async throws -> [JobID: [JobEvent]] {
        var all: [JobID: [JobEvent]] = [:]
        for id in ids {
            all[id] = try await record(id).untilEnd("the final event of job \(id)")
        }
        return all
    }
}
