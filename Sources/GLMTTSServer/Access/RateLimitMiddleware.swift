import GLMTTSEngine
import HTTPTypes
import OpenAPIRuntime

/// Counts each request of a non-public operation against its client's requests per minute
/// (the key's own limit, else `GLMTTS_RATE_LIMIT_PER_MINUTE`): over it, `429` with
/// `Retry-After`; answers carry `RateLimit-Limit`, `RateLimit-Remaining` and
/// `RateLimit-Reset` (IETF httpapi draft).
struct RateLimitMiddleware: ServerMiddleware {
    let limiter: RateLimiter
    let defaultLimit: Int
    let metrics: ServiceMetrics

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard OperationScopes.required(for: operationID) != nil else { return try await next(request, body, metadata) }
        let info = RequestInfo.current
        let decision = await limiter.admit(info.clientKey, limit: info.principal.rateLimitPerMinute ?? defaultLimit)
        guard decision.allowed else {
            metrics.limited(reason: "rate")
            var problem = HTTPProblem(
                code: ProblemCode.rateLimited, title: "Too many requests", status: 429,
                detail: "This client may make \(decision.limit) requests per minute; try again in \(decision.resetSeconds) s.",
                retryAfter: decision.resetSeconds)
            problem.headers = Self.rateLimitHeaders(decision)
            throw problem
        }
        var (response, responseBody) = try await next(request, body, metadata)
        if decision.limit > 0 {
            for field in Self.rateLimitHeaders(decision) { response.headerFields.append(field) }
        }
        return (response, responseBody)
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`.
    static func rateLimitHeaders(_ decision: RateLimiter.Decision) -> HTTPFields {
        var fields = HTTPFields()
        fields[HTTPField.Name("RateLimit-Limit")!] = String(decision.limit)
        fields[HTTPField.Name("RateLimit-Remaining")!] = String(decision.remaining)
        fields[HTTPField.Name("RateLimit-Reset")!] = String(decision.resetSeconds)
        return fields
    }
}
