import Foundation

/// A thread-safe one-way flag that tells blocking native work to stop early.
///
/// Native callbacks (sherpa-onnx progress, espeak-ng audio) poll it and return "stop".
public final class CancellationFlag: @unchecked Sendable {
    // @unchecked Sendable: `cancelled` is only read and written under `lock`.
    private let lock = NSLock()
    private var cancelled = false

    /// A new, not-cancelled flag.
    public init() {}

    /// Raises the flag; idempotent.
    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// Whether the flag has been raised.
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}
