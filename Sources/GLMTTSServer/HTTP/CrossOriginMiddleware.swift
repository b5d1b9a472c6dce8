import HTTPTypes
import Hummingbird

/// CORS for browser clients on other origins. Allowed origins are configured
/// (`GLMTTS_CORS_ORIGINS`; `*` by default, which suits an API authenticated by bearer
/// tokens rather than cookies: no credentials are ever allowed). Preflights are answered
/// here; responses expose the headers clients need (request and task ids, Location,
/// Retry-After, Content-Disposition, audio facts).
struct CrossOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: [String]

    static var exposedHeaders: String {
        "X-Request-Id, X-Task-Id, Location, Retry-After, Content-Disposition, X-Audio-Duration, X-Real-Time-Factor"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], let allowed = allow(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = allowed
            headers[.accessControlAllowMethods] = "GET, POST, DELETE, OPTIONS"
            headers[.accessControlAllowHeaders] = "Authorization, Content-Type, X-Request-Id, Prefer, Last-Event-ID, Accept"
            headers[.accessControlMaxAge] = "600"
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowed
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
        return response
    }

    /// The `Access-Control-Allow-Origin` value for `origin`, or nil when not allowed.
    func allow(_ origin: String) -> String? {
        if allowedOrigins.contains("*") { return "*" }
        return allowedOrigins.contains(origin) ? origin : nil
    }
}
