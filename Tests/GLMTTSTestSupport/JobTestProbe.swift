import Foundation

/// A value that tests and the code under test update, and that tests wait on until a
/// condition holds. Waiting is event-driven (each update re-checks the waiters) and ends
/// with `CancellationError` when the waiting task is cancelled.
public final class JobTestProbe<State: Sendable>: @unchecked Sendable {
    private struct Waiter {
        var predicate: @Sendable (State) -> Bool
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var state: State
    private var waiters: [UUID: Waiter] = [:]

    public init(_ initial: State) { state = initial }

    /// The current state.
    public var value: State {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    /// Changes the state and wakes the waiters whose condition now holds.
    public func update(_ change: (inout State) -> Void) {
        lock.lock()
        change(&state)
        var ready: [CheckedContinuation<Void, any Error>] = []
        for (id, waiter) in waiters where waiter.predicate(state) {
            ready.append(waiter.continuation)
            waiters[id] = nil
        }
        lock.unlock()
        for continuation in ready { continuation.resume() }
    }

    /// Returns once `predicate` holds.
    public func wait(until predicate: @escaping @Sendable (State) -> Bool) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                } else if predicate(state) {
                    lock.unlock()
                    continuation.resume()
                } else {
                    waiters[id] = Waiter(predicate: predicate, continuation: continuation)
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let waiter = waiters.removeValue(forKey: id)
            lock.unlock()
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns once `predicate` holds; fails the wait after a generous timeout.
    public func wait(_ what: String, until predicate: @escaping @Sendable (State) -> Bool) async throws {
        try await withJobTestDeadline(what) { try await self.wait(until: predicate) }
    }
}
