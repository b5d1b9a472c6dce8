import GLMTTSEngine

/// The queue holds as many jobs as it may; the client should try again later.
public struct QueueFullError: GLMTTSError {
    /// Jobs waiting now.
    public var queued: Int
    /// Estimated seconds until there is room.
    public var retryAfterSeconds: Int

    public init(queued: Int, retryAfterSeconds: Int) {
        self.queued = queued
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var code: String { ProblemCode.queueFull }
    public var category: ErrorCategory { .unavailable }
    public var message: String {
        "The server is busy: \(queued) jobs are waiting, which is its limit. Try again in about \(retryAfterSeconds) s."
    }
}
