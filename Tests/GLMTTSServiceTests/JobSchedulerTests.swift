import Foundation
import GLMTTSTestSupport
import Testing
@testable import GLMTTSEngine
@testable import GLMTTSService



// MARK: - A controllable executor

/// What the test executor does with one job (found by the job's text).
struct JobScript: Sendable {
    /// From this attempt on, wait until the test releases the job (or the task is cancelled).
    var holdFromAttempt: Int?
    /// The first attempts fail with a retryable problem.
    var retryableFailures = 0
    /// Then fail with this error.
    var failure: (any Error)?
    /// Progress fractions to report before finishing.
    var progress: [Double] = []

    static let holding = JobScript(holdFromAttempt: 1)
}

/// What the test executor saw.
struct ExecutorLog: Sendable {
    var runningByLane: [JobLane: Int] = [:]
    var maxRunningByLane: [JobLane: Int] = [:]
    /// Every attempt, in start order.
    var starts: [JobID] = []
    /// Attempts that ended (any way).
    var ends: [JobID] = []
    var released: Set<JobID> = []
    var sawCancellation: Set<JobID> = []

    func startCount(of id: JobID) -> Int { starts.filter { $0 == id }.count }
    func isRunning(_ id: JobID) -> Bool { startCount(of: id) > ends.filter { $0 == id }.count }
}

/// A `JobExecutor` the tests steer: it counts concurrent runs per lane, holds jobs until
/// released, fails on demand and reports progress.
final class ScriptedExecutor: JobExecutor {
    let log = JobTestProbe(ExecutorLog())
    private let scripts: [String: JobScript]

    init(_ scripts: [String: JobScript] = [:]) {
        self.scripts = scripts
    }

    static let flaky = JobProblem(code: "test.flaky", title: "Flaky", category: .unavailable,
                                  detail: "The test engine failed this attempt.", retryable: true)

    func execute(_ job: JobRecord, reporter: JobReporter) async throws -> JobResult {
        let text = JobSamples.text(of: job)
        let script = scripts[text] ?? JobScript()
        log.update { log in
            log.runningByLane[job.lane, default: 0] += 1
            log.maxRunningByLane[job.lane] = max(log.maxRunningByLane[job.lane] ?? 0, log.runningByLane[job.lane]!)
            log.starts.append(job.id)
        }
        defer {
            log.update { log in
                log.runningByLane[job.lane, default: 0] -= 1
                log.ends.append(job.id)
            }
        }
        for (index, fraction) in script.progress.enumerated() {
            reporter.progress(JobProgress(stage: .synthesizing, fraction: fraction, sentence: index + 1, sentenceCount: script.progress.count))
        }
        if let first = script.holdFromAttempt, job.attempts >= first {
            do {
                let id = job.id
                try await log.wait(until: { $0.released.contains(id) })
            } catch {
                log.update { $0.sawCancellation.insert(job.id) }
                throw error
            }
        }
        if job.attempts <= script.retryableFailures { throw Self.flaky }
        if let failure = script.failure { throw failure }
        return Self.result(for: text)
    }

    /// Lets a held job go on.
    func release(_ ids: JobID...) {
        log.update { $0.released.formUnion(ids) }
    }

    /// Waits until job `id` has started `attempts` times.
    func waitUntilStarted(_ id: JobID, attempts: Int = 1) async throws {
        try await log.wait("job \(id) to start \(attempts) time(s)") { $0.startCount(of: id) >= attempts }
    }

    /// The result the executor returns for a job with `text`.
    static func result(for text: String) -> JobResult {
        .transcription(TranscriptionJobResult(
            transcript: Transcript(text: text, language: "en", languageProbability: nil, duration: 1, segments: []),
            model: "scripted", reliable: true, warnings: [], recognitionSeconds: 0))
    }
}

/// A failure no code in the project knows, carrying text that must not reach a client.
struct UnexpectedTestFailure: Error {
    var secret = "/srv/secret/path exploded"
}

// MARK: - A store whose steps the tests can hold

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
    func updateProgress(_ id: JobID, progress: Double, stage: JobStage?) async throws {
        try await base.updateProgress(id, progress: progress, stage: stage)
    }
    func finish(_ id: JobID, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws {
        try await base.finish(id, status: status, result: result, problem: problem, at: at)
    }
    func requeue(_ id: JobID, problem: JobProblem) async throws {
        try await base.requeue(id, problem: problem)
        await pass(.requeue)
    }
    func cancelIfQueued(_ id: JobID, at: Date) async throws -> Bool { try await base.cancelIfQueued(id, at: at) }
    func delete(_ id: JobID) async throws { try await base.delete(id) }
    func appendEvent(_ event: JobEvent) async throws {
        if event.kind.isFinal { await pass(.finalEvent) }
        try await base.appendEvent(event)
    }
    func events(for id: JobID) async throws -> [JobEvent] { try await base.events(for: id) }
    func queuePosition(of id: JobID) async throws -> Int? { try await base.queuePosition(of: id) }
    func queuedCount() async throws -> Int { try await base.queuedCount() }
    func lanesWithQueuedJobs() async throws -> Set<JobLane> {
        let lanes = try await base.lanesWithQueuedJobs()
        await pass(.lanes)
        return lanes
    }
    func recoverInterrupted(problem: JobProblem, at: Date) async throws
        -> (requeued: [JobRecord], failed: [JobRecord]) {
        try await base.recoverInterrupted(problem: problem, at: at)
    }
    func finishedJobs(before date: Date, limit: Int) async throws -> [JobRecord] {
        try await base.finishedJobs(before: date, limit: limit)
    }
    func jobs(inBatch batchID: String) async throws -> [JobRecord] { try await base.jobs(inBatch: batchID) }
    func checkWritable() async throws { try await base.checkWritable() }
}

// MARK: - Event recording

/// Collects a job's event stream as it arrives.
final class EventRecorder: Sendable {
    struct Log: Sendable {
        var events: [JobEvent] = []
        var ended = false
    }

    let log = JobTestProbe(Log())

    init(_ stream: AsyncStream<JobEvent>) {
        let log = self.log
        Task {
            for await event in stream { log.update { $0.events.append(event) } }
            log.update { $0.ended = true }
        }
    }

    /// Subscribes to `id` on `hub`.
    static func subscribe(_ hub: ProgressHub, to id: JobID) async throws -> EventRecorder {
        EventRecorder(try await hub.subscribe(to: id, jobIsFinal: false))
    }

    /// Every event, once the stream has ended.
    func untilEnd(_ what: String = "the event stream to end") async throws -> [JobEvent] {
        try await log.wait(what) { $0.ended }
        return log.value.events
    }

    /// Waits until an event of `kind` arrived.
    func waitFor(_ kind: JobEvent.Kind) async throws {
        try await log.wait("a \(kind.rawValue) event") { $0.events.contains { $0.kind == kind } }
    }
}

// MARK: - Harness

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
    static func with(slots: [JobLane: Int] = [.cpu: 1], maxQueued: Int = 100, scripts: [String: JobScript] = [:],
                     files: JobTestDatabase? = nil,
                     _ body: (SchedulerHarness) async throws -> Void) async throws {
        let harness = try SchedulerHarness(files: try files ?? JobTestDatabase(),
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
        try await scheduler.submit(JobSamples.job(text, lane: lane, priority: priority, maxAttempts: maxAttempts,
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

/// Closes `database` on a thread of its own: closing blocks until in-flight reads return,
/// and those need a thread of Swift's cooperative pool (two on a 2-core machine) to resume.
func closeOffThePool(_ database: ServiceDatabase) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread {
            try? database.close()
            continuation.resume()
        }.start()
    }
}

/// The kinds of `events`, without the `queued` position updates that follow the first event.
private func kinds(_ events: [JobEvent]) -> [JobEvent.Kind] {
    guard let first = events.first else { return [] }
    return [first.kind] + events.dropFirst().map(\.kind).filter { $0 != .queued }
}

// MARK: - Tests

@Suite struct JobSchedulerTests {
    // MARK: Slots and order

    @Test func laneSlotLimitsAreNeverExceeded() async throws {
        let scripts = Dictionary(uniqueKeysWithValues: (0..<9).map { ("job \($0)", JobScript.holding) })
        try await SchedulerHarness.with(slots: ["cpu": 2, "asr": 1], scripts: scripts) { h in
            var jobs: [JobRecord] = []
            for index in 0..<9 {
                jobs.append(try await h.submit("job \(index)", lane: index < 6 ? "cpu" : "asr"))
            }
            try await h.executor.log.wait("two cpu jobs and one asr job running") {
                $0.runningByLane["cpu"] == 2 && $0.runningByLane["asr"] == 1
            }
            #expect(await h.scheduler.runningCount() == 3)
            #expect(try await h.sqlite.queuedCount() == 6)
            #expect(h.executor.log.value.starts.count == 3)

            for job in jobs { h.executor.release(job.id) }
            let events = try await h.finalEvents(of: jobs.map(\.id))
            #expect(events.values.allSatisfy { $0.last?.kind == .completed })
            let log = h.executor.log.value
            #expect(log.maxRunningByLane == ["cpu": 2, "asr": 1])
            #expect(log.starts.count == 9)
            for job in jobs {
                #expect(try await h.sqlite.job(job.id)?.status == .completed)
            }
        }
    }

    @Test func jobsStartByPriorityThenFirstInFirstOut() async throws {
        try await SchedulerHarness.with(scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let a = try await h.submit("a")
            let b = try await h.submit("b")
            let low = try await h.submit("low", priority: -1)
            let c = try await h.submit("c")
            let urgent = try await h.submit("urgent", priority: 5)
            let d = try await h.submit("d")
            #expect(try await h.sqlite.queuePosition(of: urgent.id) == 1)
            #expect(try await h.sqlite.queuePosition(of: low.id) == 6)

            h.executor.release(blocker.id)
            _ = try await h.finalEvents(of: [blocker, a, b, low, c, urgent, d].map(\.id))
            #expect(h.executor.log.value.starts == [blocker, urgent, a, b, c, d, low].map(\.id))
        }
    }

    // MARK: Bounded queue

    @Test func aFullQueueRefusesWithRetryAfter() async throws {
        try await SchedulerHarness.with(maxQueued: 2, scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let first = try await h.submit("first")
            let second = try await h.submit("second")

            let refused = JobSamples.job("refused")
            let error = await #expect(throws: QueueFullError.self) {
                try await h.scheduler.submit(refused)
            }
            #expect(error?.queued == 2)
            #expect((error?.retryAfterSeconds ?? 0) >= 1)
            #expect(error?.code == "queue.full")
            #expect(error?.message.contains("Try again in about") == true)
            #expect(try await h.sqlite.job(refused.id) == nil, "a refused job is not stored")
            #expect(try await h.sqlite.queuedCount() == 2)

            // A batch is refused whole when it does not fit.
            #expect(try await h.scheduler.cancel(second.id))
            let batch = [JobSamples.job("x"), JobSamples.job("y")]
            await #expect(throws: QueueFullError.self) { _ = try await h.scheduler.submit(batch) }
            #expect(try await h.sqlite.job(batch[0].id) == nil)
            #expect(try await h.sqlite.job(batch[1].id) == nil)

            let fits = try await h.submit("fits")
            h.executor.release(blocker.id)
            let events = try await h.finalEvents(of: [blocker.id, first.id, fits.id])
            #expect(events.values.allSatisfy { $0.last?.kind == .completed })
        }
    }

    @Test func concurrentSubmissionsNeverOverfillTheQueue() async throws {
        try await SchedulerHarness.with(maxQueued: 3, scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let scheduler = h.scheduler
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        do {
                            try await scheduler.submit(JobSamples.job("rush \(index)"))
                            return true
                        } catch {
                            #expect(error is QueueFullError)
                            return false
                        }
                    }
                }
                var accepted = 0
                for await ok in group where ok { accepted += 1 }
                return accepted
            }
            #expect(outcomes == 3)
            #expect(try await h.sqlite.queuedCount() == 3)
            h.executor.release(blocker.id)
        }
    }

    // MARK: Cancellation

    @Test func cancellingAQueuedJob() async throws {
        try await SchedulerHarness.with(scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let queued = try await h.submit("queued")
            let recorder = try await h.record(queued.id)

            #expect(try await h.scheduler.cancel(queued.id))
            let events = try await recorder.untilEnd()
            #expect(kinds(events) == [.queued, .cancelled])
            #expect(events.last?.problem == .cancelled)
            let stored = try #require(try await h.sqlite.job(queued.id))
            #expect(stored.status == .cancelled)
            #expect(stored.attempts == 0)
            #expect(try await h.scheduler.cancel(queued.id) == false, "already final")
            #expect(try await h.scheduler.cancel(JobID()) == false, "never existed")

            h.executor.release(blocker.id)
            let after = try await h.submit("after")
            _ = try await h.finalEvents(of: [blocker.id, after.id])
            #expect(h.executor.log.value.starts == [blocker.id, after.id], "the cancelled job never ran")
        }
    }

    @Test func cancellingARunningJob() async throws {
        try await SchedulerHarness.with(scripts: ["long": .holding]) { h in
            let job = try await h.submit("long")
            try await h.executor.waitUntilStarted(job.id)
            let recorder = try await h.record(job.id)

            #expect(try await h.scheduler.cancel(job.id))
            let events = try await recorder.untilEnd()
            #expect(kinds(events) == [.queued, .started, .cancelled])
            #expect(events.last?.problem == .cancelled)
            #expect(h.executor.log.value.sawCancellation == [job.id], "the executor saw its task cancelled")
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .cancelled)
            #expect(stored.problem == .cancelled)
            #expect(stored.attempts == 1, "a cancelled job is not retried")
            #expect(try await h.scheduler.cancel(job.id) == false)

            let next = try await h.submit("next")
            let after = try await h.finalEvents(of: [next.id])
            #expect(after[next.id]?.last?.kind == .completed, "the slot was given back")
        }
    }

    @Test func cancellingAJobWhileItIsBeingClaimed() async throws {
        try await SchedulerHarness.with(scripts: ["racing": .holding]) { h in
            h.store.arm(.claim)
            let job = JobSamples.job("racing")
            let scheduler = h.scheduler
            let submitting = Task { try await scheduler.submit(job) }
            try await h.store.waitForArrival(at: .claim)
            // The store says running, the scheduler has not started it yet.
            #expect(try await h.sqlite.job(job.id)?.status == .running)

            #expect(try await h.scheduler.cancel(job.id), "a job that is about to run can be cancelled")
            let recorder = try await h.record(job.id)
            h.store.open(.claim)
            _ = try await submitting.value
            let events = try await recorder.untilEnd()
            #expect(events.last?.kind == .cancelled)
            #expect(try await h.sqlite.job(job.id)?.status == .cancelled)
        }
    }

    // MARK: Failures and retries

    @Test func retryableFailuresAreRetriedThenComplete() async throws {
        try await SchedulerHarness.with(scripts: ["flaky": JobScript(retryableFailures: 2)]) { h in
            let job = try await h.submit("flaky", maxAttempts: 3)
            let events = try await h.record(job.id).untilEnd()
            #expect(kinds(events) == [.queued, .started, .retrying, .started, .retrying, .started, .completed])
            let retries = events.filter { $0.kind == .retrying }
            #expect(retries.allSatisfy { $0.problem == ScriptedExecutor.flaky })
            #expect(events.last?.result == ScriptedExecutor.result(for: "flaky"))
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .completed)
            #expect(stored.attempts == 3)
            #expect(stored.result == ScriptedExecutor.result(for: "flaky"))
            #expect(h.executor.log.value.startCount(of: job.id) == 3)
        }
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        try await SchedulerHarness.with(scripts: ["doomed": JobScript(retryableFailures: 10)]) { h in
            let job = try await h.submit("doomed", maxAttempts: 2)
            let events = try await h.record(job.id).untilEnd()
            #expect(kinds(events) == [.queued, .started, .retrying, .started, .failed])
            #expect(events.last?.problem?.code == "test.flaky")
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .failed)
            #expect(stored.attempts == 2)
            #expect(stored.problem?.code == "test.flaky")
        }
    }

    static let permanent = JobProblem(code: "test.bad_input", title: "Invalid input", category: .invalidInput,
                                      detail: "The text cannot be spoken.", retryable: false)

    @Test func nonRetryableFailuresFailAtOnceWithTheirProblem() async throws {
        try await SchedulerHarness.with(scripts: ["bad": JobScript(failure: Self.permanent)]) { h in
            let job = try await h.submit("bad")
            let events = try await h.record(job.id).untilEnd()
            #expect(kinds(events) == [.queued, .started, .failed])
            #expect(events.last?.problem == Self.permanent)
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .failed)
            #expect(stored.problem == Self.permanent)
            #expect(stored.attempts == 1)
            #expect(stored.result == nil)
        }
    }

    @Test func unexpectedErrorsFailWithoutLeakingTheirText() async throws {
        try await SchedulerHarness.with(scripts: ["odd": JobScript(failure: UnexpectedTestFailure()),
                                                  "known": JobScript(failure: QueueFullError(queued: 1, retryAfterSeconds: 9))]) { h in
            let odd = try await h.submit("odd")
            let known = try await h.submit("known")
            let events = try await h.finalEvents(of: [odd.id, known.id])
            let oddProblem = try #require(events[odd.id]?.last?.problem)
            #expect(oddProblem.code == "internal")
            #expect(oddProblem.category == .internalFailure)
            #expect(!oddProblem.detail.contains("secret"))
            let knownProblem = try #require(events[known.id]?.last?.problem)
            #expect(knownProblem.code == "queue.full", "project errors keep their code")
            #expect(try await h.sqlite.job(odd.id)?.attempts == 1)
        }
    }

    @Test func aRetryDoesNotLetTheLaneOverflow() async throws {
        let scripts: [String: JobScript] = [
            "flaky": JobScript(holdFromAttempt: 2, retryableFailures: 1),
            "x": .holding, "y": .holding,
        ]
        try await SchedulerHarness.with(slots: ["cpu": 2], scripts: scripts) { h in
            h.store.arm(.requeue)
            let flaky = try await h.submit("flaky")
            try await h.store.waitForArrival(at: .requeue)
            // The failed attempt is back in the queue but its run has not wound up yet; new
            // submissions start its next attempt and another job in the two slots.
            let x = try await h.submit("x")
            try await h.executor.waitUntilStarted(flaky.id, attempts: 2)
            try await h.executor.waitUntilStarted(x.id)
            let y = try await h.submit("y")

            h.store.arm(.lanes)
            h.store.open(.requeue)
            try await h.store.waitForArrival(at: .lanes) // the first attempt's run has wound up
            #expect(await h.scheduler.runningCount() == 2, "the second attempt is still counted")
            h.store.open(.lanes)

            h.executor.release(flaky.id, x.id, y.id)
            let events = try await h.finalEvents(of: [flaky.id, x.id, y.id])
            #expect(events.values.allSatisfy { $0.last?.kind == .completed })
            #expect(h.executor.log.value.maxRunningByLane["cpu"] == 2)
            #expect(kinds(events[flaky.id] ?? []) == [.queued, .started, .retrying, .started, .completed],
                    "the failed attempt's retrying event comes before the next attempt starts")
        }
    }

    @Test func aCancelWhileAFailedAttemptWindsUpCancelsTheRetry() async throws {
        try await SchedulerHarness.with(scripts: ["flaky": JobScript(retryableFailures: 1)]) { h in
            h.store.arm(.requeue)
            let job = try await h.submit("flaky")
            let recorder = try await h.record(job.id)
            try await h.store.waitForArrival(at: .requeue) // back in the queue, its run not yet wound up
            #expect(try await h.scheduler.cancel(job.id))
            h.store.open(.requeue)
            let events = try await recorder.untilEnd()
            #expect(kinds(events) == [.queued, .started, .retrying, .cancelled])
            #expect(try await h.sqlite.job(job.id)?.status == .cancelled)
            let next = try await h.submit("next")
            _ = try await h.finalEvents(of: [next.id])
            #expect(h.executor.log.value.startCount(of: job.id) == 1, "the cancelled job is not tried again")
        }
    }

    // MARK: Recovery

    @Test func startRecoversJobsLeftRunningByAPreviousProcess() async throws {
        let files = try JobTestDatabase()
        let resumable: JobRecord, exhausted: JobRecord, waiting: JobRecord
        do {
            // The "previous process": jobs claimed, events published, then the process died.
            let database = try files.open()
            let store = SQLiteJobStore(database: database)
            let hub = ProgressHub(store: store)
            resumable = try await store.insert(JobSamples.job("resumable", maxAttempts: 3))
            exhausted = try await store.insert(JobSamples.job("exhausted", lane: "gpu", maxAttempts: 1))
            waiting = try await store.insert(JobSamples.job("waiting"))
            for job in [resumable, exhausted, waiting] {
                await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1, stage: .queued))
            }
            for lane: JobLane in [.cpu, .gpu] {
                let claimed = try #require(try await store.claimNext(lane: lane, now: Date()))
                await hub.publish(JobEvent(jobID: claimed.id, kind: .started, stage: .preparingText, fraction: 0))
            }
            try await store.updateProgress(resumable.id, progress: 0.5, stage: .synthesizing)
            try database.close()
        }

        try await SchedulerHarness.with(files: files) { h in
            let events = try await h.finalEvents(of: [resumable.id, exhausted.id, waiting.id])

            let resumed = try #require(events[resumable.id])
            #expect(kinds(resumed) == [.queued, .started, .retrying, .started, .completed])
            #expect(resumed.first { $0.kind == .retrying }?.problem == JobScheduler.interrupted)
            #expect(resumed.map(\.sequence) == Array(1...resumed.count), "numbering continues after the restart")
            let resumedRecord = try #require(try await h.sqlite.job(resumable.id))
            #expect(resumedRecord.status == .completed)
            #expect(resumedRecord.attempts == 2)

            let failed = try #require(events[exhausted.id])
            #expect(kinds(failed) == [.queued, .started, .failed])
            let problem = try #require(failed.last?.problem)
            #expect(problem.code == JobScheduler.interrupted.code)
            #expect(problem.retryable == false)
            let failedRecord = try #require(try await h.sqlite.job(exhausted.id))
            #expect(failedRecord.status == .failed)
            #expect(failedRecord.problem?.code == "job.interrupted")
            #expect(h.executor.log.value.startCount(of: exhausted.id) == 0)

            #expect(events[waiting.id]?.last?.kind == .completed)
        }
    }

    @Test func shutdownRequeuesRunningJobsAndRefusesNewOnes() async throws {
        let files = try JobTestDatabase()
        let job: JobRecord
        do {
            let database = try files.open()
            let store = SQLiteJobStore(database: database)
            let executor = ScriptedExecutor(["long": .holding])
            let scheduler = JobScheduler(store: store, hub: ProgressHub(store: store), executor: executor,
                                         configuration: JobSchedulerConfiguration())
            try await scheduler.start()
            job = try await scheduler.submit(JobSamples.job("long", maxAttempts: 1))
            try await executor.waitUntilStarted(job.id)
            let done = JobTestProbe(false)
            Task {
                await scheduler.shutdown(gracePeriod: .zero)
                done.update { $0 = true }
            }
            try await done.wait("shutdown") { $0 }
            #expect(executor.log.value.sawCancellation == [job.id])
            let stored = try #require(try await store.job(job.id))
            #expect(stored.status == .queued, "an interrupted job waits for the next start")
            #expect(stored.problem == JobScheduler.interrupted)
            let error = await #expect(throws: JobProblem.self) {
                try await scheduler.submit(JobSamples.job("too late"))
            }
            #expect(error == JobScheduler.shuttingDown)
            try database.close()
        }
        try await SchedulerHarness.with(files: files) { h in
            let events = try await h.finalEvents(of: [job.id])
            #expect(events[job.id]?.last?.kind == .completed, "the next start runs it")
        }
    }

    // MARK: Events

    @Test func eventsArriveInOrderAndEndWithOneFinalEvent() async throws {
        try await SchedulerHarness.with(scripts: ["talk": JobScript(progress: [0.25, 0.5, 0.75])]) { h in
            let job = try await h.submit("talk")
            let events = try await h.record(job.id).untilEnd()
            #expect(events.map(\.sequence) == Array(1...events.count))
            #expect(events.first?.kind == .queued)
            #expect(events.first?.queuePosition == 1)
            #expect(kinds(events) == [.queued, .started, .progress, .progress, .progress, .completed])
            #expect(events.filter(\.kind.isFinal).count == 1)
            #expect(events.last?.kind.isFinal == true)
            #expect(events.filter { $0.kind == .progress }.map(\.fraction) == [0.25, 0.5, 0.75])
            #expect(events.filter { $0.kind == .progress }.map(\.sentence) == [1, 2, 3])
            #expect(events.allSatisfy { $0.jobID == job.id })
            #expect(try await h.sqlite.events(for: job.id) == events, "what subscribers saw is what was persisted")
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.progress == 1)
        }
    }

    @Test func aLateSubscriberGetsTheWholeHistoryThenTheEnd() async throws {
        try await SchedulerHarness.with(scripts: ["done": JobScript(progress: [0.5])]) { h in
            let job = try await h.submit("done")
            let live = try await h.record(job.id).untilEnd()
            let late = try await h.record(job.id).untilEnd("a late subscription to end")
            #expect(late == live)
            // After a restart: a new hub reads the history back from the file.
            let fresh = ProgressHub(store: h.sqlite)
            let afterRestart = try await EventRecorder.subscribe(fresh, to: job.id).untilEnd("a subscription after restart")
            #expect(afterRestart == live)
            #expect(await h.hub.subscriberCount() == 0)
        }
    }

    @Test func aSubscriberArrivingWhileTheFinalEventIsSavedStillGetsTheEnd() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let database = try files.open()
        defer { try? database.close() }
        let sqlite = SQLiteJobStore(database: database)
        let store = GatedJobStore(base: sqlite)
        let hub = ProgressHub(store: store)
        let job = try await sqlite.insert(JobSamples.job())
        await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1))
        let early = try await EventRecorder.subscribe(hub, to: job.id)

        store.arm(.finalEvent)
        let publishing = Task { await hub.publish(JobEvent(jobID: job.id, kind: .completed, fraction: 1)) }
        try await store.waitForArrival(at: .finalEvent)
        let lateStream = Task { try await hub.subscribe(to: job.id, jobIsFinal: false) }
        store.open(.finalEvent)
        _ = await publishing.value
        let late = EventRecorder(try await lateStream.value)

        let earlyEvents = try await early.untilEnd("the early subscription to end")
        let lateEvents = try await late.untilEnd("the late subscription to end")
        #expect(earlyEvents.map(\.kind) == [.queued, .completed])
        #expect(lateEvents == earlyEvents)
        #expect(try await sqlite.events(for: job.id) == earlyEvents)
    }

    @Test func nothingIsPublishedAfterTheFinalEvent() async throws {
        try await JobTestDatabase.with { _, store in
            let hub = ProgressHub(store: store)
            let job = try await store.insert(JobSamples.job())
            await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1))
            await hub.publish(JobEvent(jobID: job.id, kind: .completed))
            await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1)) // a stale position update
            await hub.publish(JobEvent(jobID: job.id, kind: .failed))
            #expect(try await store.events(for: job.id).map(\.kind) == [.queued, .completed])
            let late = try await EventRecorder.subscribe(hub, to: job.id).untilEnd("a late subscription to end")
            #expect(late.map(\.kind) == [.queued, .completed])
        }
    }
}
