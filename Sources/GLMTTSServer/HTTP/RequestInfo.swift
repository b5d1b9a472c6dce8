/// Facts about the HTTP request being handled, available to handlers through a task local
/// (the generated OpenAPI handlers do not see the Hummingbird request). Set by
/// `RequestIDMiddleware`, completed by `ClientAddressMiddleware` and
/// `AuthenticationMiddleware`.
struct RequestInfo: Sendable {
    /// The request id: the client's `X-Request-Id` when it is sane, else a generated one.
    var requestID: String
    /// The request path (for choosing the error shape).
    var path: String
    /// The request's `Content-Type`, for messages.
    var contentType: String? = nil
    /// The client's address (the peer, or the first untrusted `X-Forwarded-For` hop behind a
    /// trusted proxy); "unknown" when not known.
    var clientAddress = "unknown"
    /// Who is asking; set by `AuthenticationMiddleware` (open until then: only operations
    /// that pass through the access middlewares reach jobs, voices and keys).
    var principal = Principal.open
    /// Facts reported when the request ends.
    var labels = RequestLabels()

    @TaskLocal static var current = RequestInfo(requestID: "none", path: "/")

    /// Whether the request is to the OpenAI-compatible surface (errors in OpenAI's shape).
    var isOpenAI: Bool { path.hasPrefix("/v1/") }

    /// The client as rate limits and caps count it: the API key (`key:<id>`), else the
    /// address (`addr:<ip>`).
    var clientKey: String { principal.keyID.map { "key:\($0)" } ?? "addr:\(clientAddress)" }

    /// A client-sent request id is echoed only if it is 1–128 visible ASCII characters.
    static func acceptableClientID(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }
}
