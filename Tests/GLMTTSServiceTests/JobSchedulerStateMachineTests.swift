import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSService

/// The scheduler's decisions on their own: inputs in, decisions out, no store, hub or tasks.
/// Runs are stood for by plain numbers.
@Suite struct JobSchedulerStateMachineTests {
    typealias Machine = JobSchedulerStateMachine<Int>

    static let flaky = JobProblem(code: "test.flaky", title: "Flaky", category: .unavailable, detail: "try again", retryable: true)
    static let bad = JobProblem(code: "test.bad", title: "Bad", category: .invalidInput, detail: "no", retryable: false)

    func machine(slots: [JobLane: Int] = [:], defaultSlots: Int = 1, maxQueued: Int = 100) -> Machine {
        Machine(configuration: JobSchedulerConfiguration(slots: slots, defaultSlots: defaultSlots, maxQueued: maxQueued))
    }

    // MARK: Slots

    @Test func eachLaneHasItsOwnSlotLimit() {
        var state = machine(slots: ["cpu": 2, "gpu": 1], defaultSlots: 3)
        let cpu = (0..<3).map { _ in state.reserveSlot(in: .cpu) }
        let gpu = (0..<2).map { _ in state.reserveSlot(in: .gpu) }
        let asr = (0..<4).map { _ in state.reserveSlot(in: .asr) }
        #expect(cpu == [true, true, false], "cpu has two slots")
        #expect(gpu == [true, false], "gpu has one, whatever cpu has")
        #expect(asr == [true, true, true, false], "an unlisted lane has the default slots")
        #expect(state.occupied(.cpu) == 2)
        #expect(state.occupied(.asr) == 3)
    }

    @Test func runsHoldTheirSlotUntilTheyFinish() {
        var state = machine(slots: ["cpu": 2])
        let (a, b) = (JobID(), JobID())
        let cancelAtOnce = [state.start(a, handle: 0), state.start(b, handle: 1)]
        #expect(cancelAtOnce == [false, false])
        #expect(state.runningCount == 2)
        #expect(Set(state.runningHandles) == [0, 1])
        let full = !state.reserveSlot(in: .cpu)
        #expect(full)
        let released = state.runFinished(a, attempt: 1, seconds: 1)
        #expect(released)
        #expect(!state.isRunning(a))
        let free = state.reserveSlot(in: .cpu)
        #expect(free, "its slot is free again")
    }

    // MARK: Reservations

    @Test func aClaimInProgressHoldsItsSlot() {
        var state = machine(slots: ["cpu": 1])
        let grants = [state.reserveSlot(in: .cpu), state.reserveSlot(in: .cpu)]
        #expect(grants == [true, false], "a second scan cannot claim into the reserved slot")
        #expect(state.runningCount == 0)
        #expect(state.occupied(.cpu) == 1)

        state.releaseSlot(in: .cpu)  // the claim found nothing
        #expect(state.occupied(.cpu) == 0)
        let again = state.reserveSlot(in: .cpu)
        #expect(again)

        let cancelAtOnce = state.runStarted(JobID(), attempt: 1, in: .cpu, handle: 7)
        #expect(!cancelAtOnce)
        #expect(state.occupied(.cpu) == 1, "the reservation became the run, not a second occupant")
        #expect(state.runningCount == 1)
    }

    @Test func aFinishedAttemptDoesNotFreeTheNextAttemptsSlot() {
        var state = machine(slots: ["cpu": 2])
        let id = JobID()
        _ = state.start(id, handle: 1)
        // Attempt 1 failed and was re-queued; attempt 2 was claimed before attempt 1 wound up.
        _ = state.start(id, attempt: 2, handle: 2)
        let releasedFirst = state.runFinished(id, attempt: 1, seconds: 1)
        #expect(!releasedFirst)
        #expect(state.isRunning(id))
        #expect(state.runningHandles == [2])
        #expect(state.occupied(.cpu) == 1, "attempt 2 still holds its slot")
        let releasedSecond = state.runFinished(id, attempt: 2, seconds: 1)
        #expect(releasedSecond)
        #expect(state.occupied(.cpu) == 0)
        #expect(state.isIdle)
    }

    // MARK: Cancel

    @Test func cancellingAQueuedJobAsksTheStore() {
        var state = machine()
        let id = JobID()
        let first = state.cancel(id)
        #expect(first == .cancelIfQueued)
        #expect(state.runningCount == 0)
        // When the store did not cancel it either, a job that is neither queued, running nor
        // claimed cannot be cancelled.
        let steps = [state.cancelNotQueued(id), state.claimLookedUp(id, isClaimed: false)]
        #expect(steps == [.lookUpClaim, .answer(false)])
    }

    @Test func cancellingARunningJobCancelsItsRun() {
        var state = machine()
        let id = JobID()
        _ = state.start(id, handle: 42)
        let step = state.cancel(id)
        #expect(step == .cancelRun(42))
        #expect(state.failureOutcome(of: id, attempt: 1, maxAttempts: 3, problem: .cancelled) == .cancel)
        #expect(
            state.failureOutcome(of: id, attempt: 1, maxAttempts: 3, problem: Self.flaky) == .cancel,
            "a cancelled run is not retried, whatever error it ended with")
        state.runFinished(id, attempt: 1, seconds: 1)
        let after = state.cancel(id)
        #expect(after == .cancelIfQueued, "the run is gone")
        let cancelAtOnce = state.start(id, attempt: 2, handle: 43)
        #expect(!cancelAtOnce, "and its cancel request with it")
    }

    @Test func aJobClaimedWhileTheStoreWasAskedIsCancelledAsRunning() {
        var state = machine()
        let id = JobID()
        let first = state.cancel(id)
        _ = state.start(id, handle: 5)  // claimed meanwhile
        let second = state.cancelNotQueued(id)
        #expect([first, second] == [.cancelIfQueued, .cancelRun(5)])
    }

    @Test func aJobClaimedButNotStartedIsCancelledAsItStarts() {
        var state = machine()
        let id = JobID()
        _ = state.reserveSlot(in: .cpu)  // a scan is claiming it
        let steps = [state.cancel(id), state.cancelNotQueued(id), state.claimLookedUp(id, isClaimed: true)]
        #expect(steps == [.cancelIfQueued, .lookUpClaim, .answer(true)])
        let cancelAtOnce = state.runStarted(id, attempt: 1, in: .cpu, handle: 9)
        #expect(cancelAtOnce, "the run is cancelled as it starts")
        #expect(state.failureOutcome(of: id, attempt: 1, maxAttempts: 3, problem: .cancelled) == .cancel)
    }

    @Test func aJobStartedWhileItsClaimWasLookedUpIsCancelledAsRunning() {
        var state = machine()
        let id = JobID()
        _ = state.reserveSlot(in: .cpu)
        let steps = [state.cancel(id), state.cancelNotQueued(id)]
        _ = state.runStarted(id, attempt: 1, in: .cpu, handle: 3)
        let last = state.claimLookedUp(id, isClaimed: true)
        #expect(steps + [last] == [.cancelIfQueued, .lookUpClaim, .cancelRun(3)])
    }

    @Test func aCancelDuringAFailedAttemptsWindUpAppliesToTheRequeuedJob() {
        var state = machine(slots: ["cpu": 2])
        let id = JobID()
        _ = state.start(id, handle: 1)
        #expect(!state.cancelsRequeued(id, attempt: 1), "nobody asked")
        let step = state.cancel(id)
        #expect(step == .cancelRun(1))
        #expect(state.cancelsRequeued(id, attempt: 1))
        // The next attempt was claimed before attempt 1 wound up: that run takes the cancel.
        let cancelAtOnce = state.start(id, attempt: 2, handle: 2)
        #expect(cancelAtOnce, "cancelled as it starts")
        #expect(!state.cancelsRequeued(id, attempt: 1))
    }

    // MARK: Failures

    @Test func failuresAreRetriedWhileAttemptsAndRetryabilityAllow() {
        let state = machine()
        let id = JobID()
        #expect(state.failureOutcome(of: id, attempt: 1, maxAttempts: 3, problem: Self.flaky) == .retry(Self.flaky))
        #expect(state.failureOutcome(of: id, attempt: 3, maxAttempts: 3, problem: Self.flaky) == .fail(Self.flaky))
        #expect(state.failureOutcome(of: id, attempt: 1, maxAttempts: 3, problem: Self.bad) == .fail(Self.bad))
    }

    // MARK: Shutdown

    @Test func shutdownRefusesNewWork() {
        var state = machine(slots: ["cpu": 4])
        #expect(state.isAccepting)
        let scanned = state.beginScan()
        #expect(scanned)
        state.endScan()
        state.beginShutdown()
        #expect(!state.isAccepting)
        let (scan, claim) = (state.beginScan(), state.reserveSlot(in: .cpu))
        #expect(!scan, "no new queue scans")
        #expect(!claim, "no new claims, free slots or not")
        #expect(state.isIdle)
    }

    @Test func runsFailingDuringShutdownWaitForTheNextStart() {
        var state = machine()
        let id = JobID()
        state.beginShutdown()
        let outcomes = [Self.flaky, Self.bad, .cancelled].map {
            state.failureOutcome(of: id, attempt: 1, maxAttempts: 1, problem: $0)
        }
        #expect(
            outcomes.allSatisfy { $0 == .retry(JobScheduler.interrupted) },
            "whatever they ended with, even with no attempts left")
    }

    @Test func shutdownWaitsForRunsAndScansInProgress() {
        var state = machine()
        let id = JobID()
        _ = state.beginScan()
        _ = state.start(id, handle: 8)
        state.beginShutdown()
        #expect(!state.isIdle)
        #expect(state.runningHandles == [8], "what shutdown cancels when the grace period is over")
        state.endScan()
        #expect(!state.isIdle, "the run is still going")
        state.runFinished(id, attempt: 1, seconds: 1)
        #expect(state.isIdle)
    }

    // MARK: Retry-after and admission

    @Test func retryAfterSpreadsTheQueueOverAllSlotsAtTheAverageRunTime() {
        var state = machine(slots: ["cpu": 1, "gpu": 1])
        #expect(state.averageRunSeconds == 2)
        #expect(state.retryAfter(queued: 3) == 3, "3 jobs × 2 s over 2 slots, rounded up")
        #expect(state.retryAfter(queued: 0) == 1, "never less than a second")
        let id = JobID()
        _ = state.start(id, handle: 0)
        state.runFinished(id, attempt: 1, seconds: 12)
        #expect(state.averageRunSeconds == 4, "moving average: 0.8 × 2 + 0.2 × 12")
        #expect(state.retryAfter(queued: 3) == 6)
        #expect(machine().retryAfter(queued: 5) == 10, "no listed lanes count as one slot")
    }

    @Test func admissionIsAllOrNone() {
        let state = machine(slots: ["cpu": 1], maxQueued: 3)
        #expect(state.admit(queued: 1, adding: 2) == .accept)
        #expect(state.admit(queued: 2, adding: 2) == .queueFull(retryAfterSeconds: state.retryAfter(queued: 2)))
        #expect(state.admit(queued: 3, adding: 1) == .queueFull(retryAfterSeconds: 6))
        #expect(state.admit(queued: 0, adding: 4) == .queueFull(retryAfterSeconds: 1), "a batch over the bound never fits")
    }

    /// The decision reads the queue's size, which is read from the store with a suspension
    /// between reading and inserting; admissions take turns, so together they never overfill.
    @Test func admissionsTakingTurnsNeverOverfillTheQueue() async {
        let queue = AdmittingQueue(state: machine(maxQueued: 3))
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<12 { group.addTask { await queue.submit() } }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        #expect(accepted == 3)
        #expect(await queue.queued == 3)
    }
}

/// A queue admitting through `JobSchedulerStateMachine.admit` one submission at a time,
/// suspending between reading its size and inserting, as the store does.
private actor AdmittingQueue {
    private let state: JobSchedulerStateMachine<Int>
    private let admission = AsyncTurnstile()
    private(set) var queued = 0

    init(state: JobSchedulerStateMachine<Int>) { self.state = state }

    func submit() async -> Bool {
        await admission.withTurn {
            let size = await read()
            guard state.admit(queued: size, adding: 1) == .accept else { return false }
            await Task.yield()
            queued += 1
            return true
        }
    }

    private func read() async -> Int {
        await Task.yield()
        return queued
    }
}

extension JobSchedulerStateMachine {
    /// Claims a cpu slot and starts `id` in it, as a scan does; whether to cancel it at once.
    mutating func start(_ id: JobID, attempt: Int = 1, handle: Handle) -> Bool {
        _ = reserveSlot(in: .cpu)
        return runStarted(id, attempt: attempt, in: .cpu, handle: handle)
    }
}
