import Foundation

/// A flag set once from any thread (a task's cancellation handler) and read by synchronous
/// work that cannot see task cancellation (unpacking on a detached thread).
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    /// Whether it was set.
    var isSet: Bool { lock.withLock { value } }

    /// Sets it.
    func set() { lock.withLock { value = true } }
}
