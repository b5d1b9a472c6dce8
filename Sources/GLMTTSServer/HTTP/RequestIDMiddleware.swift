import GLMTTSEngine
import HTTPTypes
import Hummingbird

/// First middleware of every request: gives it its id (the client's sane `X-Request-Id`,
/// else a random one), makes the request's facts available to everything inside as
/// `RequestInfo.current`, and echoes the id on the response.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = RequestInfo.acceptableClientID(request.headers[.xRequestID]) ?? RandomIdentifier.hex(bytes: 12)
        let info = RequestInfo(
            requestID: requestID, path: request.uri.path,
            contentType: request.headers[.contentType].map { String($0.prefix(100)) })
        var response = try await RequestInfo.$current.withValue(info) {
            try await next(request, context)
        }
        response.headers[.xRequestID] = requestID
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let xRequestID = HTTPField.Name("X-Request-Id")!
    /// `Last-Event-ID` (Server-Sent Events).
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// `X-Forwarded-For` (set by reverse proxies).
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
