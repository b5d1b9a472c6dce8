import HTTPTypes
import Synchronization

/// Facts learned while a request is handled that the outer middlewares report when it
/// ends: the OpenAPI operation (metrics label, access log), the API key id (access log) and
/// the problem answered (metrics).
///
/// A shared box in the task-local `RequestInfo`: the OpenAPI middlewares that learn these
/// facts see neither Hummingbird's request context nor, when they refuse a request by
/// throwing, any response to carry them back on.
final class RequestLabels: Sendable {
    private let state = Mutex<(operation: String?, keyID: String?, problem: (code: String, status: Int)?)>((nil, nil, nil))

    init() {}

    /// The OpenAPI operation id, once the request was routed to one.
    var operation: String? {
        get { state.withLock { $0.operation } }
        set { state.withLock { $0.operation = newValue } }
    }

    /// The public id of the API key used, once authenticated.
    var keyID: String? {
        get { state.withLock { $0.keyID } }
        set { state.withLock { $0.keyID = newValue } }
    }

    /// The problem answered (its code and status before rendering), if the request failed.
    var problem: (code: String, status: Int)? {
        get { state.withLock { $0.problem } }
        set { state.withLock { $0.problem = newValue } }
    }

    /// The operation as metrics and logs name it: the OpenAPI operation id, else `not_found`
    /// (no route) or `static` (docs and web UI files).
    func reportedOperation(status: HTTPResponse.Status) -> String {
        operation ?? (status == .notFound ? "not_found" : "static")
    }
}
