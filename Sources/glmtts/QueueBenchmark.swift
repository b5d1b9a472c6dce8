import Foundation
import GLMTTSEngine
import GLMTTSService
import Logging

/// `glmtts bench --queue STORE`: what the durable queue itself costs per job, with an executor
/// that does nothing (`NoOpJobExecutor`), on SQLite (a new file in a temporary folder) or on a
/// PostgreSQL database (`postgres://…`, which should be empty: jobs stay in it).
///
/// Two phases on the real `JobScheduler`, `ProgressHub` and store of the server:
/// 1. **submit**: `jobs` jobs submitted one by one, as the API does (with the scheduler started,
///    but no free slot: the lane has one slot, held by a job that waits for the phase to end);
/// 2. **drain**: the slots freed, every job claimed, run (started event, no work), completed
///    (completion written, completed event) — the jobs per second a node can turn over when
///    synthesis takes no time.
struct QueueBenchmark {
    /// `sqlite` or a `postgres://` URL.
    let store: String
    let jobs: Int
    let slots: Int

    struct Report: Codable {
        var store: String
        var jobs: Int
        var slots: Int
        var submitSeconds: Double
        var drainSeconds: Double
        var submittedPerSecond: Double { Double(jobs) / submitSeconds }
        var completedPerSecond: Double { Double(jobs) / drainSeconds }
    }

    func run() async throws -> Report {
        let (jobStore, close) = try await openStore()
        do {
            let report = try await measure(on: jobStore)
            await close()
            return report
        } catch {
            await close()
            throw error
        }
    }

    private func measure(on jobStore: any JobStore) async throws -> Report {
        let executor = NoOpJobExecutor()
        let hub = ProgressHub(store: jobStore)
        let gate = HeldJobExecutor(wrapped: executor)
        let scheduler = JobScheduler(
            store: jobStore, hub: hub, executor: gate,
            configuration: JobSchedulerConfiguration(slots: [.cpu: slots], maxQueued: jobs + slots))
        try await scheduler.start()
        // Fill every slot with a job that waits, so the submissions queue up.
        for _ in 0..<slots { _ = try await scheduler.submit(Self.job()) }
        while executor.count < slots { try await Task.sleep(for: .milliseconds(5)) }
        let submitStart = ContinuousClock.now
        for _ in 0..<jobs { _ = try await scheduler.submit(Self.job()) }
        let submitSeconds = (ContinuousClock.now - submitStart).inSeconds
        let drainStart = ContinuousClock.now
        gate.open()
        while true {
            let running = await scheduler.runningCount()
            if executor.count >= jobs + slots && running == 0 { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        let drainSeconds = (ContinuousClock.now - drainStart).inSeconds
        await scheduler.shutdown(gracePeriod: .seconds(5))
        return Report(
            store: store.hasPrefix("postgres") ? "PostgreSQL" : "SQLite", jobs: jobs, slots: slots,
            submitSeconds: submitSeconds, drainSeconds: drainSeconds)
    }

    private static func job() throws -> JobRecord {
        JobRecord(payload: .synthesis(SynthesisJobSpec(text: try SpeechText("One sentence to queue."))), lane: .cpu)
    }

    private func openStore() async throws -> (any JobStore, @Sendable () async -> Void) {
        if store == "sqlite" {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-queue-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let database = try ServiceDatabase(path: folder.appendingPathComponent("service.sqlite"))
            return (
                SQLiteJobStore(database: database),
                {
                    try? database.close()
                    try? FileManager.default.removeItem(at: folder)
                }
            )
        }
        let location = try PostgresLocation(parsing: store, environmentPassword: ProcessInfo.processInfo.environment["PGPASSWORD"])
        let database = try await PostgresServiceDatabase(
            location: location, applicationName: PostgresServiceDatabase.applicationName(ofNode: "bench"),
            logger: Logger(label: "glmtts.bench"))
        return (PostgresJobStore(database: database, node: "bench"), { await database.close() })
    }
}
