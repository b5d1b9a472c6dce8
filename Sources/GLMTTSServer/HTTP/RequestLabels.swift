import Synchronization

/// Facts learned while a request is handled that the outer middleware reports when it
/// ends: the OpenAPI operation (metrics label) and the API key id (access log).
final class RequestLabels: Sendable {
    private let state = Mutex<(operation: String?, keyID: String?)>((nil, nil))

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
}
