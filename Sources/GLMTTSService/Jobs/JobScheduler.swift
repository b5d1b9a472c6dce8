import Foundation
import GLMTTSEngine

/// Runs queued jobs: per-lane concurrency slots, priority then first-in-first-out,
/// cancellation of queued and running jobs, bounded queue, retries of retryable failures,
/// and recovery of jobs interrupted by a crash.
///
/// Every job is persisted (`JobStore.insert`) before `submit` returns, and every change of
/// state is published through `hub` (and so persisted as an event).
///
/// The actor does the I/O — store, hub, tasks — and asks `JobSchedulerStateMachine` for
/// every decision: whether a lane has a free slot, what a cancel does, whether a failed
/// run is retried, whether a submission fits.
///
/// On a store shared by several nodes (`JobStore.isShared`) it also keeps up with the others:
/// it claims jobs other nodes queued and delivers the events they stored as soon as the
/// store's notifications say so (`JobStore.wakeUps`), and polls for both as the fallback —
/// every `listeningPollInterval` while notifications arrive, every `pollInterval` while they
/// do not; a cancel asked on another node stops a run here at once. Every `heartbeatInterval`
/// it renews the leases of its runs — stopping those a client cancelled through another node
/// and those whose lease was lost — and rescues the runs of nodes whose leases expired. Every
/// change a run makes carries its lease token, so a run that lost its lease changes nothing.
/// A node with `runsJobs` off (`glmtts serve --role api`) queues, follows and cancels jobs but
/// claims none.
public actor JobScheduler {
    // Internal rather than private where JobScheduler+OtherNodes.swift (the maintenance loop,
    // notifications, heartbeats and rescues of a shared store) works on it too.
    /// Where events go.
    public nonisolated let hub: any ProgressBus
    let store: any JobStore
    private let executor: any JobExecutor
    let log: @Sendable (String) -> Void
    /// The scheduling decisions: slots, cancels, retries, admission, shutdown.
    var state: JobSchedulerStateMachine<Task<Void, Never>>
    /// Submissions are admitted one at a time, so concurrent ones cannot overfill the queue.
    private let admission = AsyncTurnstile()
    /// The lease token of each run here (shared stores only).
    var leases: [JobID: Int64] = [:]
    /// Polling, heartbeats and rescues on a shared store (nil on a store of one node).
    var maintenance: Task<Void, Never>?
    /// Follows the store's notifications (nil when it has none).
    var listening: Task<Void, Never>?
    /// Wakes the maintenance loop when a notification asks for a look at the store.
    let doorbell = Doorbell()
    /// What the notifications since the maintenance loop's last round asked for.
    var pumpWanted = false
    var catchUpWanted = false
    /// Whether the store's notifications reach this node now (else it polls every `pollInterval`).
    public internal(set) var isListening = false
    /// When a queued job waiting out a back-off becomes claimable (no notification says so).
    var nextDelayedRun: ContinuousClock.Instant?
    /// When `start` ran (for this node's reports).
    var startedAt = Date()
    let configuration: JobSchedulerConfiguration
    /// Runs of other nodes rescued here after their leases expired.
    public internal(set) var rescuedRuns = 0

    /// Problem given to jobs that were running when the server stopped.
    public static let interrupted = JobProblem(
        code: ProblemCode.jobInterrupted, title: "Interrupted", category: .unavailable,
        detail: "The server stopped while this job was running.", retryable: true)

    /// Problem given to jobs whose node stopped renewing its lease (it died, or lost the database).
    public static let leaseExpired = JobProblem(
        code: ProblemCode.jobInterrupted, title: "Interrupted", category: .unavailable,
        detail: "The node running this job stopped answering, and its lease expired.", retryable: true)

    /// Problem given to new jobs while the server shuts down.
    public static let shuttingDown = JobProblem(
        code: ProblemCode.serverShuttingDown, title: "Shutting down", category: .unavailable,
        detail: "The server is shutting down and accepts no new jobs; try again in a moment.", retryable: true)

    public init(
        store: any JobStore, hub: any ProgressBus, executor: any JobExecutor,
        configuration: JobSchedulerConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.hub = hub
        self.executor = executor
        self.state = JobSchedulerStateMachine(configuration: configuration)
        self.configuration = configuration
        self.log = log
    }

    /// Recovers jobs interrupted by a crash (re-queued with attempts left, else failed with a
    /// reason) and starts the queued ones.
    public func start() async throws {
        let (requeued, failed) = try await store.recoverInterrupted(problem: Self.interrupted, at: Date())
        for job in requeued {
            await hub.publish(
                JobEvent(
                    jobID: job.id, kind: .retrying, elapsedSeconds: elapsed(job),
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
        startedAt = Date()
        if store.isShared && maintenance == nil {
            if let wakeUps = store.wakeUps() {
                listening = Task { await self.follow(wakeUps) }
            }
            maintenance = Task { await self.keepUpWithOtherNodes() }
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
        guard state.isAccepting else { throw Self.shuttingDown }
        let stored = try await admission.withTurn {
            guard state.isAccepting else { throw Self.shuttingDown }
            let queued = try await store.queuedCount()
            if case let .queueFull(retryAfterSeconds) = state.admit(queued: queued, adding: jobs.count) {
                throw QueueFullError(queued: queued, retryAfterSeconds: retryAfterSeconds)
            }
            return try await store.insert(jobs)
        }
        // A shared store stored each job's arrival event with it (`JobStore.insert`).
        for job in stored where !store.isShared {
            await hub.publish(.arrival(of: job.id, position: try? await store.queuePosition(of: job.id)))
        }
        await pump()
        return stored
    }

    /// Cancels a queued or running job. False when it had already finished (or never existed).
    public func cancel(_ id: JobID) async throws -> Bool {
        var step = state.cancel(id)
        while true {
            switch step {
            case let .cancelRun(task):
                task.cancel()
                return true
            case let .answer(cancelled):
                return cancelled
            case .cancelIfQueued:
                if try await store.cancelIfQueued(id, at: Date()) {
                    let job = try await store.job(id)
                    await hub.publish(
                        JobEvent(
                            jobID: id, kind: .cancelled, elapsedSeconds: job.map(elapsed) ?? 0,
                            problem: .cancelled))
                    return true
                }
                step = state.cancelNotQueued(id)
            case .lookUpClaim:
                let claimed = try await store.job(id)?.status == .running
                // It may run on another node: that node hears it with its next heartbeat.
                if claimed && store.isShared { _ = try await store.requestCancel(id) }
                step = state.claimLookedUp(id, isClaimed: claimed)
            }
        }
    }

    /// Number of jobs running now.
    public func runningCount() -> Int { state.runningCount }

    /// Estimated seconds until a queue of `queued` jobs drains.
    public func retryAfter(queued: Int) -> Int { state.retryAfter(queued: queued) }

    /// Stops starting jobs; waits up to `gracePeriod` for running ones, then cancels the rest,
    /// which go back to the queue for the next start. Queued jobs stay persisted. When it
    /// returns, no run and no queue scan of this scheduler is in progress, so the store can be
    /// closed.
    public func shutdown(gracePeriod: Duration) async {
        state.beginShutdown()
        let deadline = ContinuousClock.now + gracePeriod
        while !state.isIdle && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        // Jobs that a scan claimed meanwhile are cancelled too.
        while !state.isIdle {
            for task in state.runningHandles { task.cancel() }
            try? await Task.sleep(for: .milliseconds(20))
        }
        listening?.cancel()
        await listening?.value
        listening = nil
        isListening = false
        maintenance?.cancel()
        await maintenance?.value
        maintenance = nil
    }

    // MARK: - Running

    /// Claims queued jobs into the free slots; false when the store could not be read.
    @discardableResult
    func pump() async -> Bool {
        guard configuration.runsJobs, state.beginScan() else { return true }
        defer { state.endScan() }
        let lanes: Set<JobLane>
        do {
            lanes = try await store.lanesWithQueuedJobs()
        } catch {
            log("scheduler could not read the queue: \(error)")
            return false
        }
        var foundNothingClaimable = false
        var complete = true
        for lane in lanes.sorted() {
            // Every free slot in one claim; again while claims fill them (a started retry
            // frees the slot its failed attempt still held).
            var filled = true
            while filled {
                var reserved = 0
                while state.reserveSlot(in: lane) { reserved += 1 }
                guard reserved > 0 else { break }
                var claimed: [JobRecord] = []
                do {
                    claimed = try await store.claim(lane: lane, upTo: reserved, now: Date())
                    if claimed.count < reserved { foundNothingClaimable = true }
                } catch {
                    log("scheduler could not claim a job: \(error)")
                    complete = false
                }
                filled = claimed.count == reserved
                for _ in claimed.count..<reserved { state.releaseSlot(in: lane) }
                for job in claimed {
                    if let token = job.leaseToken { leases[job.id] = token }
                    let task = Task { await self.run(job) }
                    if state.runStarted(job.id, attempt: job.attempts, in: lane, handle: task) { task.cancel() }
                }
            }
        }
        if foundNothingClaimable && store.isShared { await noteNextDelayedRun() }
        await announceQueuePositions()
        return complete
    }

    /// Queued jobs that could not be claimed may be waiting out a back-off: remember when the
    /// first becomes claimable, so the maintenance loop looks then (nothing notifies it).
    func noteNextDelayedRun() async {
        let now = Date()
        guard let due = try? await store.nextDelayedRun(after: now) else { return }
        let instant = ContinuousClock.now + .milliseconds(Int(due.timeIntervalSince(now) * 1000) + 1)
        if nextDelayedRun.map({ instant < $0 }) ?? true { nextDelayedRun = instant }
        await doorbell.ring()  // the loop's wait may be longer than that
    }

    private func run(_ job: JobRecord) async {
        let started = ContinuousClock.now
        let lease = job.leaseToken
        await hub.publish(
            JobEvent(
                jobID: job.id, kind: .started, elapsedSeconds: elapsed(job), stage: .preparingText,
                fraction: 0, detail: "attempt \(job.attempts) of \(job.maxAttempts)"), lease: lease)
        let (items, continuation) = AsyncStream.makeStream(of: ReporterItem.self, bufferingPolicy: .unbounded)
        let forwarder = Task { [hub, store] in
            for await item in items {
                switch item {
                case let .event(event):
                    await hub.publish(event, lease: lease)
                    if let fraction = event.fraction {
                        try? await store.updateProgress(event.jobID, lease: lease, progress: fraction, stage: event.stage)
                    }
                case let .audio(chunk):
                    await hub.publishAudio(chunk, of: job.id)
                }
            }
        }
        let createdAt = job.createdAt
        let reporter = JobReporter(
            emit: { kind, progress in
                continuation.yield(
                    .event(
                        JobEvent(
                            jobID: job.id, kind: kind, elapsedSeconds: Date().timeIntervalSince(createdAt), stage: progress.stage,
                            fraction: progress.fraction, sentence: progress.sentence, sentenceCount: progress.sentenceCount,
                            detail: progress.detail)))
            },
            audio: { chunk in continuation.yield(.audio(chunk)) })

        let outcome: Result<JobResult, any Error>
        do {
            try Task.checkCancellation()  // cancelled before it started
            outcome = .success(try await executor.execute(job, reporter: reporter))
        } catch {
            outcome = .failure(error)
        }
        continuation.finish()
        await forwarder.value
        await conclude(job, outcome: outcome)
        if let lease, leases[job.id] == lease { leases[job.id] = nil }
        state.runFinished(job.id, attempt: job.attempts, seconds: (ContinuousClock.now - started).inSeconds)
        await pump()
    }

    private func conclude(_ job: JobRecord, outcome: Result<JobResult, any Error>) async {
        do {
            switch outcome {
            case let .success(result):
                try await store.finish(job.id, lease: job.leaseToken, status: .completed, result: result, problem: nil, at: Date())
                await hub.publish(
                    JobEvent(
                        jobID: job.id, kind: .completed, elapsedSeconds: elapsed(job), stage: .done,
                        fraction: 1, result: result), lease: job.leaseToken)
            case let .failure(error):
                try await concludeFailure(job, error: error)
            }
        } catch {
            log("could not record the end of job \(job.id): \(error); it will be recovered at the next start")
            // Its clients must not wait forever: they hear the end now (the hub delivers
            // events it cannot store), and the job itself is recovered at the next start.
            var problem = JobProblem(error)
            problem.detail += " The job will run again when the server restarts."
            await hub.publish(JobEvent(jobID: job.id, kind: .failed, elapsedSeconds: elapsed(job), problem: problem), lease: job.leaseToken)
        }
    }

    private func concludeFailure(_ job: JobRecord, error: any Error) async throws {
        let now = Date()
        switch state.failureOutcome(
            of: job.id, attempt: job.attempts, maxAttempts: job.maxAttempts,
            problem: JobProblem(error))
        {
        case .cancel:
            try await store.finish(job.id, lease: job.leaseToken, status: .cancelled, result: nil, problem: .cancelled, at: now)
            await hub.publish(
                JobEvent(jobID: job.id, kind: .cancelled, elapsedSeconds: elapsed(job), problem: .cancelled), lease: job.leaseToken)
        case let .retry(problem):
            try await retry(job, problem: problem)
        case let .fail(problem):
            if !(error is JobProblem) && !(error is any GLMTTSError) && !(error is CancellationError) {
                log("job \(job.id) failed with an unexpected error: \(error)")
            }
            try await store.finish(job.id, lease: job.leaseToken, status: .failed, result: nil, problem: problem, at: now)
            await hub.publish(JobEvent(jobID: job.id, kind: .failed, elapsedSeconds: elapsed(job), problem: problem), lease: job.leaseToken)
        }
    }

    private func retry(_ job: JobRecord, problem: JobProblem) async throws {
        // Announced before the job is back in the queue, so that it precedes the next
        // attempt's `started`.
        await hub.publish(
            JobEvent(
                jobID: job.id, kind: .retrying, elapsedSeconds: elapsed(job), stage: .queued,
                detail: "attempt \(job.attempts) failed; queued again", problem: problem), lease: job.leaseToken)
        try await store.requeue(job.id, lease: job.leaseToken, problem: problem)
        // A cancel that came while the attempt was winding up applies to the queued job.
        if state.cancelsRequeued(job.id, attempt: job.attempts), try await store.cancelIfQueued(job.id, at: Date()) {
            await hub.publish(JobEvent(jobID: job.id, kind: .cancelled, elapsedSeconds: elapsed(job), problem: .cancelled))
        }
    }

    private func announceQueuePositions() async {
        for id in await hub.subscribedJobIDs() where !state.isRunning(id) {
            guard let position = try? await store.queuePosition(of: id) else { continue }
            guard let job = try? await store.job(id), job.status == .queued else { continue }
            await hub.publishQueuePositionIfChanged(
                JobEvent(
                    jobID: id, kind: .queued, elapsedSeconds: elapsed(job), queuePosition: position, stage: .queued))
        }
    }

    nonisolated func elapsed(_ job: JobRecord) -> Double {
        max(0, Date().timeIntervalSince(job.createdAt))
    }

    private enum ReporterItem: Sendable {
        case event(JobEvent)
        case audio(AudioBuffer)
    }
}
