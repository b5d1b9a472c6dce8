import Foundation
import GLMTTSEngine

extension JobProblem {
    /// The problem that describes `error` to a client.
    ///
    /// Our own errors (`GLMTTSError`) keep their code and message, with server paths masked;
    /// anything else becomes a generic internal problem, so exception text never leaks
    /// (log the original error yourself).
    public init(_ error: any Error) {
        if let problem = error as? JobProblem {
            self = problem
        } else if error is CancellationError {
            self = .cancelled
        } else if let known = error as? any GLMTTSError {
            let retryable = (known as? WorkerError)?.isRetryable ?? false
            let (status, title) = Self.status(for: known.category, retryable: retryable)
            let detail = known.category == .internalFailure && !retryable
                ? "The engine failed while working on this request (\(known.code)). The server log has the details; try again or report it."
                : ProblemDetailSanitizer.sanitize(known.message)
            self.init(code: known.code, title: title, status: status, detail: detail, retryable: retryable)
        } else {
            self.init(code: "internal", title: "Internal error", status: 500,
                      detail: "Something failed inside the server. The server log has the details; try again or report it.")
        }
    }

    /// The job was cancelled by a client.
    public static let cancelled = JobProblem(
        code: "job.cancelled", title: "Cancelled", status: 409, detail: "The job was cancelled before it finished.")

    private static func status(for category: ErrorCategory, retryable: Bool) -> (Int, String) {
        if retryable { return (503, "Temporarily unavailable") }
        switch category {
        case .invalidInput: return (422, "Invalid input")
        case .notFound: return (404, "Not found")
        case .unavailable: return (503, "Not available")
        case .cancelled: return (409, "Cancelled")
        case .internalFailure: return (500, "Internal error")
        }
    }
}
