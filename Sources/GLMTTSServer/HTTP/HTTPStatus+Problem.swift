import GLMTTSEngine
import GLMTTSService

extension JobProblem {
    /// The HTTP status of the problem: decided here, in the server, from its category (a
    /// retryable failure is 503: try again).
    var httpStatus: Int {
        if retryable { return 503 }
        switch category {
        case .invalidInput: return 422
        case .notFound: return 404
        case .gone: return 410
        case .unavailable: return 503
        case .cancelled: return 409
        case .internalFailure: return 500
        }
    }
}
