import Synchronization

/// The first of several possible answers to one waiting continuation (the work's result, or
/// a timeout's error): `give` resumes the continuation once and ignores later answers.
final class OneAnswer<T: Sendable>: Sendable {
    private let waiting: Mutex<CheckedContinuation<T, any Error>?>

    /// Answers `continuation`.
    init(_ continuation: CheckedContinuation<T, any Error>) {
        waiting = Mutex(continuation)
    }

    /// Answers, unless an answer was given already; true when this one counts.
    @discardableResult
    func give(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = waiting.withLock({ $0.take() }) else { return false }
        continuation.resume(with: result)
        return true
    }
}
