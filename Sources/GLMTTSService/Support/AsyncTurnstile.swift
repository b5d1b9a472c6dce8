import Synchronization

/// One-at-a-time access for async code, first come, first served.
///
/// `enter()` returns at once when nobody holds the turn, and otherwise waits behind every
/// earlier arrival; `leave()` hands the turn to the longest waiter (or frees it). Called
/// from an actor, `enter()` runs on that actor, so callers are served in the order they
/// reached it.
///
/// Cancellation-safe: a waiter whose task is cancelled still waits for, and gets, its turn
/// (work that must happen — saving a cancelled job's final event — is never skipped), and
/// the turn is never lost or given twice.
final class AsyncTurnstile: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// A free turnstile.
    init() {}

    /// Waits for the turn. Every `enter()` must be followed by exactly one `leave()`.
    func enter(isolation: isolated (any Actor)? = #isolation) async {
        if takeIfFree() { return }
        await withCheckedContinuation(isolation: isolation) { (waiter: CheckedContinuation<Void, Never>) in
            let enteredMeanwhile = state.withLock { state -> Bool in
                guard state.busy else {
                    state.busy = true
                    return true
                }
                state.waiters.append(waiter)
                return false
            }
            if enteredMeanwhile { waiter.resume() }
        }
    }

    /// Gives the turn to the next waiter, or frees it when nobody waits.
    func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }

    /// Runs `body` holding the turn, and leaves however `body` ends.
    func withTurn<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async rethrows -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    /// Number of callers waiting for the turn (for tests and metrics).
    var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Whether someone holds the turn.
    var isBusy: Bool { state.withLock { $0.busy } }

    private func takeIfFree() -> Bool {
        state.withLock { state -> Bool in
            guard !state.busy else { return false }
            state.busy = true
            return true
        }
    }
}
