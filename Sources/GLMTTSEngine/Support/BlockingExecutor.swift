import Dispatch

/// Runs blocking work (C calls into sherpa-onnx, espeak-ng, libsndfile, soxr) on a
/// dedicated serial dispatch queue, never on Swift's cooperative thread pool, which
/// has only as many threads as cores.
///
/// One executor serialises its work: an engine instance owns one, so calls into the same
/// native handle never overlap.
public final class BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    /// Creates an executor whose work runs on its own serial queue named `label`.
    public init(label: String) {
        queue = DispatchQueue(label: "glmtts.blocking.\(label)", qos: .userInitiated)
    }

    /// Runs `work` on the executor's queue and returns its result to the caller.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
