import Synchronization

/// The first of several possible answers to one waiting continuation (the work's result, or
/// a timeout's error): `give` resumes the continuation once and ignores later answers.
final class OneAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var answered = false
    }

    private let state = Mutex(State())

    /// An answer that nobody waits for yet.
    init() {}

    /// The continuation to resume (at once, when an answer came first).
    func expect(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Answers, unless an answer was given already; true when this one counts.
    @discardableResult
    func give(_ result: Result<T, any Error>) -> Bool {
        let (counts, continuation) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?) in
            guard !state.answered else { return (false, nil) }
            state.answered = true
            guard let continuation = state.continuation else {
                state.early = result
                return (true, nil)
            }
            state.continuation = nil
            return (true, continuation)
        }
        continuation?.resume(with: result)
        return counts
    }
}
