/// An out-of-process worker failed to do what was asked.
public enum WorkerError: GLMTTSError, Equatable {
    /// The worker could not be started or never said it was ready.
    case startFailed(worker: String, reason: String)
    /// The worker process died while requests were in flight (retrying may succeed).
    case crashed(worker: String, status: Int32)
    /// The request took longer than its deadline; the worker was restarted.
    case timedOut(worker: String, seconds: Double)
    /// The worker answered with an error.
    case failed(worker: String, code: String, message: String, retryable: Bool)
    /// The worker was shut down.
    case shutDown(worker: String)
    /// A reply did not follow the protocol.
    case protocolViolation(worker: String, reason: String)

    public var code: String {
        switch self {
        case .startFailed: return ProblemCode.workerStartFailed
        case .crashed: return ProblemCode.workerCrashed
        case .timedOut: return ProblemCode.workerTimedOut
        case let .failed(_, code, _, _): return "worker.\(code)"
        case .shutDown: return ProblemCode.workerShutDown
        case .protocolViolation: return ProblemCode.workerProtocolViolation
        }
    }

    /// Whether trying the same request again may succeed.
    public var isRetryable: Bool {
        switch self {
        case .crashed, .timedOut: return true
        case let .failed(_, _, _, retryable): return retryable
        case .startFailed, .shutDown, .protocolViolation: return false
        }
    }

    public var category: ErrorCategory {
        switch self {
        case let .failed(_, code, _, _) where code == "bad_request": return .invalidInput
        case let .failed(_, code, _, _) where code == "cancelled": return .cancelled
        case .startFailed, .shutDown: return .unavailable
        default: return .internalFailure
        }
    }

    public var message: String {
        switch self {
        case let .startFailed(worker, reason):
            return "The \(worker) worker could not start: \(reason). Run scripts/bootstrap to install its Python packages."
        case let .crashed(worker, status):
            return "The \(worker) worker stopped unexpectedly (status \(status)); it is being restarted — try again."
        case let .timedOut(worker, seconds):
            return "The \(worker) worker did not finish within \(Int(seconds)) s; it was restarted — try again, or with shorter input."
        case let .failed(worker, code, message, _):
            return "The \(worker) worker failed (\(code)): \(message)"
        case let .shutDown(worker):
            return "The \(worker) worker has been shut down; the service is stopping."
        case let .protocolViolation(worker, reason):
            return "The \(worker) worker broke the protocol (\(reason)); it was restarted."
        }
    }
}
