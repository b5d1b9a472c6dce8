import Foundation
import GLMTTSEngine

/// Runs queued jobs: per-lane concurrency slots, priority then first-in-first-out,
/// cancellation of queued and running jobs, bounded queue, retries of retryable failures,
/// and recovery of jobs interrupted by a crash.
///
/// Every job is persisted (`JobStore.insert`) before `submit` returns, and every change of
/// state is published through `hub` (and so persisted as an event).
public actor JobScheduler {
    /// Where events go.
    public nonisolated let hub: any ProgressBus
    private let store: any JobStore
    private let executor: any JobExecutor
    private let configuration: JobSchedulerConfiguration
    private let log: @Sendable (String) -> Void
    private var running: [JobID: RunningJob] = [:]
    private var reserved: [JobLane: Int] = [:]
    private var cancelRequested: Set<JobID> = []
    private var accepting = true
    private var averageRunSeconds = 2.0
    private var admitting = false
    private var activePumps = 0
    private var admissionWaiters: [CheckedContinuation<Void, Never>] = []

    private struct RunningJob {
        var lane: JobLane
        /// The attempt this run is (`JobRecord.attempts` at its claim): a job that failed and
        /// was re-queued may be claimed again before the failed run has wound up.
        var attempt: Int
        var task: Task<Void, Never>
    }

    /// Problem given to jobs that were running when the server stopped.
    public static let interrupted = JobProblem(
        code: ProblemCode.jobInterrupted, title: "Interrupted", category: .unavailable,
        detail: "The server stopped while this job was running.", retryable: true)

    /// Problem given to new jobs while the server shuts down.
    public static let shuttingDown = JobProblem(
        code: ProblemCode.serverShuttingDown, title: "Shutting down", category: .unavailable,
        detail: "The server is shutting down and accepts no new jobs; try again in a moment.", retryable: true)

    public init(store: any JobStore, hub: any ProgressBus, executor: any JobExecutor,
                configuration: JobSchedulerConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.hub = hub
        self.executor = executor
        self.configuration = configuration
        self.log = log
    }

    /// Recovers jobs interrupted by a crash (re-queued with attempts left, else failed with a
    /// reason) and starts the queued ones.
    public func start() async throws {
        let (requeued, failed) = try await store.recoverInterrupted(problem: Self.interrupted, at: Date())
        for job in requeued {
            await hub.publish(JobEvent(jobID: job.id, kind: .retrying, elapsedSeconds: elapsed(job),
                                       stage: .queued, detail: "requeued after a server restart", problem: Self.interrupted))
        }
        for job in failed {
            var problem = Self.interrupted
            problem.detail = "The server stopped while this job was running, \(job.attempts) times; it is not tried again."
            problem.retryable = false
            await hub.publish(JobEvent(jobID: job.id, kind: .failed, elapsedSeconds: elapsed(job), problem: problem))
        }
        if !requeued.isEmpty || !failed.isEmpty {
            log("recovered interrupted jobs: \(requeued.count) requeued, \(failed.count) failed")
        }
        await pump()
    }

    /// Persists and queues `job`. Throws `QueueFullError` when the queue is full.
    @discardableResult
    public func submit(_ job: JobRecord) async throws -> JobRecord {
        try await submit([job])[0]
    }

    /// Persists and queues `jobs` together (all or none). Submissions are admitted one at a
    /// time, so concurrent ones cannot together overfill the queue.
    public func submit(_ jobs: [JobRecord]) async throws -> [JobRecord] {
        guard accepting else { throw Self.shuttingDown }
        await startAdmission()
        let stored: [JobRecord]
        do {
            defer { endAdmission() }
            guard accepting else { throw Self.shuttingDown }
            let queued = try await store.queuedCount()
            if queued + jobs.count > configuration.maxQueued {
                throw QueueFullError(queued: queued, retryAfterSeconds: retryAfter(queued: queued))
            }
            stored = try await store.insert(jobs)
        }
        for job in stored {
            let position = try? await store.queuePosition(of: job.id)
            await hub.publish(JobEvent(jobID: job.id, kind: .queued, elapsedSeconds: 0, queuePosition: position, stage: .queued))
        }
        await pump()
        return stored
    }

    /// Cancels a queued or running job. False when it had already finished (or never existed).
    public func cancel(_ id: JobID) async throws -> Bool {
        if let job = running[id] {
            cancelRequested.insert(id)
            job.task.cancel()
            return true
        }
        if try await store.cancelIfQueued(id, at: Date()) {
            let job = try await store.job(id)
            await hub.publish(JobEvent(jobID: id, kind: .cancelled, elapsedSeconds: job.map(elapsed) ?? 0,
                                       problem: .cancelled))
            return true
        }
        if let job = running[id] { // claimed while we looked
            cancelRequested.insert(id)
            job.task.cancel()
            return true
        }
        // Claimed in the store by a pump that has not started it yet: it is cancelled as it starts.
        if let job = try await store.job(id), job.status == .running {
            cancelRequested.insert(id)
            running[id]?.task.cancel()
            return true
        }
        return false
    }

    /// Number of jobs running now.
    public func runningCount() -> Int { running.count }

    /// Estimated seconds until a queue of `queued` jobs drains.
    public func retryAfter(queued: Int) -> Int {
        let slots = max(1, configuration.slots.values.reduce(0, +))
        return max(1, Int((Double(queued) * averageRunSeconds / Double(slots)).rounded(.up)))
    }

    /// Stops starting jobs; waits up to `gracePeriod` for running ones, then cancels the rest,
    /// which go back to the queue for the next start. Queued jobs stay persisted. When it
    /// returns, no run and no queue scan of this scheduler is in progress, so the store can be
    /// closed.
    public func shutdown(gracePeriod: Duration) async {
        accepting = false
        let deadline = ContinuousClock.now + gracePeriod
        while (!running.isEmpty || activePumps > 0) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        // Jobs that a scan claimed meanwhile are cancelled too.
        while !running.isEmpty || activePumps > 0 {
            for job in running.values { job.task.cancel() }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: - Running

    private func pump() async {
        guard accepting else { return }
        activePumps += 1
        defer { activePumps -= 1 }
        let lanes: Set<JobLane>
        do {
            lanes = try await store.lanesWithQueuedJobs()
        } catch {
            log("scheduler could not read the queue: \(error)")
            return
        }
        for lane in lanes.sorted() {
            while accepting && occupied(lane) < configuration.slots(of: lane) {
                reserved[lane, default: 0] += 1
                let claimed: JobRecord?
                do {
                    claimed = try await store.claimNext(lane: lane, now: Date())
                } catch {
                    log("scheduler could not claim a job: \(error)")
                    claimed = nil
                }
                reserved[lane, default: 1] -= 1
                guard let job = claimed else { break }
                let task = Task { await self.run(job) }
                running[job.id] = RunningJob(lane: lane, attempt: job.attempts, task: task)
                if cancelRequested.contains(job.id) { task.cancel() }
            }
        }
        await announceQueuePositions()
    }

    private func occupied(_ lane: JobLane) -> Int {
        running.values.filter { $0.lane == lane }.count + (reserved[lane] ?? 0)
    }

    private func run(_ job: JobRecord) async {
        let started = ContinuousClock.now
        await hub.publish(JobEvent(jobID: job.id, kind: .started, elapsedSeconds: elapsed(job), stage: .preparingText,
                                   fraction: 0, detail: "attempt \(job.attempts) of \(job.maxAttempts)"))
        let (items, continuation) = AsyncStream.makeStream(of: ReporterItem.self, bufferingPolicy: .unbounded)
        let forwarder = Task { [hub, store] in
            for await item in items {
                switch item {
                case let .event(event):
                    await hub.publish(event)
                    if let fraction = event.fraction {
                        try? await store.updateProgress(event.jobID, progress: fraction, stage: event.stage)
                    }
                case let .audio(chunk):
                    await hub.publishAudio(chunk, of: job.id)
                }
            }
        }
        let createdAt = job.createdAt
        let reporter = JobReporter(
            emit: { kind, progress in
                continuation.yield(.event(JobEvent(
                    jobID: job.id, kind: kind, elapsedSeconds: Date().timeIntervalSince(createdAt), stage: progress.stage,
                    fraction: progress.fraction, sentence: progress.sentence, sentenceCount: progress.sentenceCount,
                    detail: progress.detail)))
            },
            audio: { chunk in continuation.yield(.audio(chunk)) })

        let outcome: Result<JobResult, any Error>
        do {
            try Task.checkCancellation() // cancelled before it started
            outcome = .success(try await executor.execute(job, reporter: reporter))
        } catch {
            outcome = .failure(error)
        }
        continuation.finish()
        await forwarder.value
        await conclude(job, outcome: outcome)
        let seconds = (ContinuousClock.now - started).inSeconds
        averageRunSeconds = 0.8 * averageRunSeconds + 0.2 * seconds
        if running[job.id]?.attempt == job.attempts { // not already replaced by the job's next attempt
            running[job.id] = nil
            cancelRequested.remove(job.id)
        }
        await pump()
    }

    private func conclude(_ job: JobRecord, outcome: Result<JobResult, any Error>) async {
        let now = Date()
        do {
            switch outcome {
            case let .success(result):
                try await store.finish(job.id, status: .completed, result: result, problem: nil, at: now)
                await hub.publish(JobEvent(jobID: job.id, kind: .completed, elapsedSeconds: elapsed(job), stage: .done,
                                           fraction: 1, result: result))
            case let .failure(error):
                let clientCancelled = cancelRequested.contains(job.id)
                if clientCancelled {
                    try await store.finish(job.id, status: .cancelled, result: nil, problem: .cancelled, at: now)
                    await hub.publish(JobEvent(jobID: job.id, kind: .cancelled, elapsedSeconds: elapsed(job), problem: .cancelled))
                    return
                }
                var problem = JobProblem(error)
                if !accepting {
                    problem = Self.interrupted
                }
                if problem.retryable && (job.attempts < job.maxAttempts || !accepting) {
                    // Announced before the job is back in the queue, so that it precedes the next
                    // attempt's `started`.
                    await hub.publish(JobEvent(jobID: job.id, kind: .retrying, elapsedSeconds: elapsed(job), stage: .queued,
                                               detail: "attempt \(job.attempts) failed; queued again", problem: problem))
                    try await store.requeue(job.id, problem: problem)
                    // A cancel that came while the attempt was winding up applies to the queued job.
                    if cancelRequested.contains(job.id), running[job.id]?.attempt == job.attempts,
                       try await store.cancelIfQueued(job.id, at: Date()) {
                        await hub.publish(JobEvent(jobID: job.id, kind: .cancelled, elapsedSeconds: elapsed(job),
                                                   problem: .cancelled))
                    }
                    return
                }
                if !(error is JobProblem) && !(error is any GLMTTSError) && !(error is CancellationError) {
                    log("job \(job.id) failed with an unexpected error: \(error)")
                }
                try await store.finish(job.id, status: .failed, result: nil, problem: problem, at: now)
                await hub.publish(JobEvent(jobID: job.id, kind: .failed, elapsedSeconds: elapsed(job), problem: problem))
            }
        } catch {
            log("could not record the end of job \(job.id): \(error); it will be recovered at the next start")
            // Its clients must not wait forever: they hear the end now (the hub delivers
            // events it cannot store), and the job itself is recovered at the next start.
            var problem = JobProblem(error)
            problem.detail += " The job will run again when the server restarts."
            await hub.publish(JobEvent(jobID: job.id, kind: .failed, elapsedSeconds: elapsed(job), problem: problem))
        }
    }

    /// Waits until no other submission is being admitted (first come, first served).
    private func startAdmission() async {
        if !admitting {
            admitting = true
            return
        }
        await withCheckedContinuation { admissionWaiters.append($0) }
    }

    /// Lets the next waiting submission in.
    private func endAdmission() {
        if admissionWaiters.isEmpty {
            admitting = false
        } else {
            admissionWaiters.removeFirst().resume()
        }
    }

    private func announceQueuePositions() async {
        for id in await hub.subscribedJobIDs() where running[id] == nil {
            guard let position = try? await store.queuePosition(of: id) else { continue }
            guard let job = try? await store.job(id), job.status == .queued else { continue }
            await hub.publishQueuePositionIfChanged(JobEvent(
                jobID: id, kind: .queued, elapsedSeconds: elapsed(job), queuePosition: position, stage: .queued))
        }
    }

    private nonisolated func elapsed(_ job: JobRecord) -> Double {
        max(0, Date().timeIntervalSince(job.createdAt))
    }

    private enum ReporterItem: Sendable {
        case event(JobEvent)
        case audio(AudioBuffer)
    }
}
