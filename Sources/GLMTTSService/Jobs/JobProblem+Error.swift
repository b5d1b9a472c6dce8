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
            let title = Self.title(for: known.category, retryable: retryable)
            let detail =
                known.category == .internalFailure && !retryable
                ? "The engine failed while working on this request (\(known.code)). The server log has the details; try again or report it."
                : ProblemDetailSanitizer.sanitize(known.message)
            self.init(code: known.code, title: title, category: known.category, detail: detail, retryable: retryable)
        } else {
            self.init(
                code: ProblemCode.internalError, title: "Internal error", category: .internalFailure,
                detail: "Something failed inside the server. The server log has the details; try again or report it.")
        }
    }

    /// The job was cancelled by a client.
    public static let cancelled = JobProblem(
        code: ProblemCode.jobCancelled, title: "Cancelled", category: .cancelled, detail: "The job was cancelled before it finished.")

    private static func title(for category: ErrorCategory, retryable: Bool) -> String {
        if retryable { return "Temporarily unavailable" }
        switch category {
        case .invalidInput: return "Invalid input"
        case .notFound: return "Not found"
        case .gone: return "Gone"
        case .unavailable: return "Not available"
        case .cancelled: return "Cancelled"
        case .internalFailure: return "Internal error"
        }
    }
}
