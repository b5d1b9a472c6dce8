import GLMTTSEngine
import HTTPTypes
import OpenAPIRuntime

/// Caps the requests of non-public operations a client has in progress at once
/// (`GLMTTS_MAX_CONCURRENT_PER_CLIENT`): beyond it, `429 rate.concurrency`. A request counts
/// until its handler returns.
struct ConcurrencyLimitMiddleware: ServerMiddleware {
    let limiter: RateLimiter
    let cap: Int
    let metrics: ServiceMetrics

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard OperationScopes.required(for: operationID) != nil else { return try await next(request, body, metadata) }
        let client = RequestInfo.current.clientKey
        guard await limiter.enter(client, cap: cap) else {
            metrics.limited(reason: "concurrency")
            throw HTTPProblem(
                code: ProblemCode.rateConcurrency, title: "Too many requests", status: 429,
                detail: "This client already has \(cap) requests in progress; wait for one to finish.",
                retryAfter: 1)
        }
        do {
            let answer = try await next(request, body, metadata)
            await limiter.leave(client)
            return answer
        } catch {
            await limiter.leave(client)
            throw error
        }
    }
}
