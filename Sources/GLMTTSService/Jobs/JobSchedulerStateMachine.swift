/// The scheduling decisions of `JobScheduler`, as a value without I/O.
///
/// It holds what the scheduler knows about its own work — the runs it started (with a
/// `Handle` to cancel each, a task in the scheduler), lane slots reserved by claims in
/// progress, cancels asked for, queue scans in progress, whether it still accepts work,
/// and how long runs take — and answers each input (a scan begins, a claim ends, a run
/// finishes, a cancel arrives, shutdown begins) with what to do. The scheduler does the
/// store, hub and task work and reports back; nothing here suspends.
///
/// Promises: a lane never has more runs plus claims in progress than its slots; nothing
/// new is scanned, claimed or started after `beginShutdown`; a cancel asked for while a
/// job is being claimed cancels the run as it starts; a run that finishes after its job's
/// next attempt started does not take that attempt's slot or cancel request with it.
struct JobSchedulerStateMachine<Handle> {
    private struct Run {
        var lane: JobLane
        /// The attempt this run is (`JobRecord.attempts` at its claim): a job that failed and
        /// was re-queued may be claimed again before the failed run has wound up.
        var attempt: Int
        var handle: Handle
    }

    /// Slots per lane and the queue's bound.
    let configuration: JobSchedulerConfiguration
    /// False once shutdown began: no new submissions, scans, claims or retries on merit.
    private(set) var isAccepting = true
    /// Moving average of run durations, for retry-after estimates.
    private(set) var averageRunSeconds = 2.0
    private var runs: [JobID: Run] = [:]
    private var reserved: [JobLane: Int] = [:]
    private var cancelRequested: Set<JobID> = []
    private var activeScans = 0

    init(configuration: JobSchedulerConfiguration) {
        self.configuration = configuration
    }

    // MARK: - What it knows

    /// Number of runs started and not yet finished.
    var runningCount: Int { runs.count }

    /// Handles of every run started and not yet finished.
    var runningHandles: [Handle] { runs.values.map(\.handle) }

    /// Whether no run and no queue scan is in progress.
    var isIdle: Bool { runs.isEmpty && activeScans == 0 }

    /// Whether job `id` has a run here.
    func isRunning(_ id: JobID) -> Bool { runs[id] != nil }

    /// The handle of job `id`'s run here, if it has one.
    func handle(of id: JobID) -> Handle? { runs[id]?.handle }

    /// Runs plus claims in progress in `lane`.
    func occupied(_ lane: JobLane) -> Int {
        runs.values.filter { $0.lane == lane }.count + (reserved[lane] ?? 0)
    }

    /// Estimated seconds until a queue of `queued` jobs drains over all slots.
    func retryAfter(queued: Int) -> Int {
        let slots = max(1, configuration.slots.values.reduce(0, +))
        return max(1, Int((Double(queued) * averageRunSeconds / Double(slots)).rounded(.up)))
    }

    /// Whether `adding` more jobs fit in a queue holding `queued` (all or none).
    func admit(queued: Int, adding: Int) -> JobAdmission {
        guard queued + adding > configuration.maxQueued else { return .accept }
        return .queueFull(retryAfterSeconds: retryAfter(queued: queued))
    }

    // MARK: - Scans and claims

    /// A queue scan begins; false (and nothing to end) once shutdown began.
    mutating func beginScan() -> Bool {
        guard isAccepting else { return false }
        activeScans += 1
        return true
    }

    /// A scan that `beginScan` let in ended.
    mutating func endScan() {
        activeScans -= 1
    }

    /// Reserves a slot of `lane` for a claim; false when the lane is full or shutdown began.
    /// End the claim with `releaseSlot` (nothing claimed) or `runStarted`.
    mutating func reserveSlot(in lane: JobLane) -> Bool {
        guard isAccepting && occupied(lane) < configuration.slots(of: lane) else { return false }
        reserved[lane, default: 0] += 1
        return true
    }

    /// A claim found nothing (or failed): its slot is free again.
    mutating func releaseSlot(in lane: JobLane) {
        reserved[lane, default: 1] -= 1
    }

    /// A claim got job `id` (at `attempt`), whose run is `handle`; the claim's slot becomes
    /// the run's. True when the run must be cancelled at once (a cancel came during the claim).
    mutating func runStarted(_ id: JobID, attempt: Int, in lane: JobLane, handle: Handle) -> Bool {
        releaseSlot(in: lane)
        runs[id] = Run(lane: lane, attempt: attempt, handle: handle)
        return cancelRequested.contains(id)
    }

    /// The run of job `id` at `attempt` wound up after `seconds`. Its slot and cancel request
    /// go, unless the job's next attempt already runs; returns whether they went.
    @discardableResult
    mutating func runFinished(_ id: JobID, attempt: Int, seconds: Double) -> Bool {
        averageRunSeconds = 0.8 * averageRunSeconds + 0.2 * seconds
        guard runs[id]?.attempt == attempt else { return false }
        runs[id] = nil
        cancelRequested.remove(id)
        return true
    }

    // MARK: - Ends of runs

    /// What becomes of job `id`'s run at `attempt` that failed with `problem`: cancelled when
    /// a client asked; retried when the problem is retryable and attempts are left; during
    /// shutdown always retried as interrupted (it waits for the next start); else failed.
    func failureOutcome(of id: JobID, attempt: Int, maxAttempts: Int, problem: JobProblem) -> JobFailureOutcome {
        if cancelRequested.contains(id) { return .cancel }
        let problem = isAccepting ? problem : JobScheduler.interrupted
        if problem.retryable && (attempt < maxAttempts || !isAccepting) {
            return .retry(problem)
        }
        return .fail(problem)
    }

    /// Whether a cancel that came while the failed run at `attempt` wound up applies to the
    /// job now back in the queue (it does unless the next attempt already runs).
    func cancelsRequeued(_ id: JobID, attempt: Int) -> Bool {
        cancelRequested.contains(id) && runs[id]?.attempt == attempt
    }

    // MARK: - Cancel

    /// A client asks to cancel job `id`.
    mutating func cancel(_ id: JobID) -> JobCancelStep<Handle> {
        cancelRun(id) ?? .cancelIfQueued
    }

    /// The store did not cancel job `id` as queued (it may have been claimed meanwhile).
    mutating func cancelNotQueued(_ id: JobID) -> JobCancelStep<Handle> {
        cancelRun(id) ?? .lookUpClaim
    }

    /// The store says whether job `id` is claimed. A claimed job not started yet is
    /// cancelled as it starts (`runStarted` says so).
    mutating func claimLookedUp(_ id: JobID, isClaimed: Bool) -> JobCancelStep<Handle> {
        guard isClaimed else { return .answer(false) }
        cancelRequested.insert(id)
        return cancelRun(id) ?? .answer(true)
    }

    private mutating func cancelRun(_ id: JobID) -> JobCancelStep<Handle>? {
        guard let run = runs[id] else { return nil }
        cancelRequested.insert(id)
        return .cancelRun(run.handle)
    }

    // MARK: - Shutdown

    /// Shutdown begins: from now on nothing new is admitted, scanned, claimed or started.
    mutating func beginShutdown() {
        isAccepting = false
    }
}
