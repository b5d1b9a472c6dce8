/// Builds the event stream every in-process engine returns.
///
/// `body` runs in a child task and yields events through the continuation. When the
/// consumer stops listening (or its task is cancelled), the task is cancelled and the
/// flag raised, so native work polling it stops at the next boundary; the stream then
/// ends with `CancellationError`.
public enum SynthesisStream {
    /// Runs `body`, finishing the stream when it returns or throws.
    public static func make(
        _ body: @escaping @Sendable (AsyncThrowingStream<SynthesisEvent, Error>.Continuation, CancellationFlag) async throws -> Void
    ) -> AsyncThrowingStream<SynthesisEvent, Error> {
        AsyncThrowingStream { continuation in
            let flag = CancellationFlag()
            let task = Task {
                do {
                    try await body(continuation, flag)
                    if flag.isCancelled || Task.isCancelled { throw CancellationError() }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in
                flag.cancel()
                task.cancel()
            }
        }
    }
}
