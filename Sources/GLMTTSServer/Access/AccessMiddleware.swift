import Foundation
import GLMTTSEngine
import GLMTTSService
import GLMTTSAPI
import HTTPTypes
import OpenAPIRuntime

/// Access control for every OpenAPI operation: authenticates the bearer key (when keys
/// are required), checks the operation's scope (`OperationScopes`), applies the per-client
/// rate limit and concurrency cap, and adds `RateLimit-*` headers. Refusals are problems:
/// `401` (with `WWW-Authenticate: Bearer`), `403`, `429` (with `Retry-After`). In open mode
/// (no keys), `OpenModeRequestGuard` refuses what a foreign web page sends through a browser,
/// and a request that came through a proxy (forwarding headers) needs a key all the same:
/// to the server it looks local, but its sender is not.
///
/// Streaming operations (`streamingOperations`) also hold one of the client's stream slots
/// (`GLMTTS_MAX_STREAMS_PER_CLIENT`) until their body ends, not just until the handler returns.
///
/// `/metrics` is also allowed without a key from the addresses in `GLMTTS_METRICS_ALLOW`
/// (not through a proxy: a forwarded scrape needs an admin key).
struct AccessMiddleware: ServerMiddleware {
    let configuration: ServerConfiguration
    let keys: APIKeyStore
    let limiter: RateLimiter
    let streams: StreamSlots
    let metrics: ServiceMetrics
    let usage: KeyUsageRecorder

    /// Operations whose response is a stream that outlives the handler.
    static let streamingOperations: Set<String> = ["streamJobProgress", "openAICreateSpeech"]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var info = RequestInfo.current
        info.labels.operation = operationID
        guard let required = OperationScopes.required(for: operationID) else {
            return try await next(request, body, metadata)
        }
        let principal: Principal
        let forwarded = OpenModeRequestGuard.isForwarded(request)
        if operationID == "getMetrics" && !forwarded && configuration.metricsAllowedAddresses.contains(info.clientAddress) {
            principal = .open
        } else if configuration.requiresKeys || forwarded {
            // A request that came through a proxy is not a local one, whatever address it
            // arrived from: in open mode it needs a key like any remote request.
            principal = try await authenticate(request, forwarded: !configuration.requiresKeys)
            info.labels.keyID = principal.keyID
            guard principal.scope.allows(required) else {
                throw HTTPProblem(code: ProblemCode.authForbidden, title: "Forbidden", status: 403,
                                  detail: "This API key has the '\(principal.scope.rawValue)' scope; this operation needs '\(required.rawValue)'. Ask an admin for a key with that scope.")
            }
        } else {
            try OpenModeRequestGuard(bindHost: configuration.host,
                                     allowedOrigins: configuration.corsAllowedOrigins.filter { $0 != "*" }).check(request)
            principal = .open
        }
        info.principal = principal
        let client = principal.keyID.map { "key:\($0)" } ?? "addr:\(info.clientAddress)"
        let decision = await limiter.admit(client, limit: principal.rateLimitPerMinute ?? configuration.rateLimitPerMinute)
        guard decision.allowed else {
            metrics.limited(reason: "rate")
            var problem = HTTPProblem(code: ProblemCode.rateLimited, title: "Too many requests", status: 429,
                                      detail: "This client may make \(decision.limit) requests per minute; try again in \(decision.resetSeconds) s.",
                                      retryAfter: decision.resetSeconds)
            problem.headers = Self.rateLimitHeaders(decision)
            throw problem
        }
        var slot: StreamSlot?
        if Self.streamingOperations.contains(operationID) {
            slot = streams.acquire(client, cap: configuration.maxStreamsPerClient)
            guard slot != nil else {
                metrics.limited(reason: "streams")
                throw HTTPProblem(code: ProblemCode.streamLimit, title: "Too many requests", status: 429,
                                  detail: "This client already has \(configuration.maxStreamsPerClient) streams open (progress or streamed speech); close one, or wait for one to end.",
                                  retryAfter: 1)
            }
        }
        guard await limiter.enter(client, cap: configuration.maxConcurrentPerClient) else {
            slot?.release()
            metrics.limited(reason: "concurrency")
            throw HTTPProblem(code: ProblemCode.rateConcurrency, title: "Too many requests", status: 429,
                              detail: "This client already has \(configuration.maxConcurrentPerClient) requests in progress; wait for one to finish.",
                              retryAfter: 1)
        }
        do {
            var (response, responseBody) = try await RequestInfo.$current.withValue(info) {
                try await next(request, body, metadata)
            }
            await limiter.leave(client)
            if decision.limit > 0 {
                for field in Self.rateLimitHeaders(decision) { response.headerFields.append(field) }
            }
            if let slot {
                // The stream counts until its body ends; no body, nothing to count.
                if let streamed = responseBody { responseBody = SlotReleasingBody.wrap(streamed, releasing: slot) } else { slot.release() }
            }
            return (response, responseBody)
        } catch {
            slot?.release()
            await limiter.leave(client)
            throw error
        }
    }

    /// The principal of the request's bearer key; a `401` problem when it has none or a bad
    /// one. `forwarded`: keys are asked for only because the request came through a proxy.
    private func authenticate(_ request: HTTPRequest, forwarded: Bool = false) async throws -> Principal {
        var challenge = HTTPFields()
        challenge[.wwwAuthenticate] = "Bearer realm=\"glmtts\""
        guard let header = request.headerFields[.authorization], header.lowercased().hasPrefix("bearer "),
              case let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces), !token.isEmpty else {
            let detail = forwarded
                ? "This request came through a proxy (it carries X-Forwarded-For, Forwarded or X-Real-IP), so it needs an API key even though the server runs without keys for local clients: send 'Authorization: Bearer <key>'. An admin creates keys with `glmtts keys create`; a server behind a proxy should run with GLMTTS_AUTH=keys."
                : "This server requires an API key: send 'Authorization: Bearer <key>'. An admin creates keys with `glmtts keys create`."
            var problem = HTTPProblem(code: ProblemCode.authRequired, title: "Unauthorized", status: 401, detail: detail)
            problem.headers = challenge
            throw problem
        }
        guard let key = try await keys.authenticate(token) else {
            var problem = HTTPProblem(code: ProblemCode.authInvalid, title: "Unauthorized", status: 401,
                                      detail: "The API key is not valid: it is malformed, unknown or revoked.")
            problem.headers = challenge
            throw problem
        }
        await usage.touch(key.id)
        return Principal(key: key)
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (IETF httpapi draft).
    static func rateLimitHeaders(_ decision: RateLimiter.Decision) -> HTTPFields {
        var fields = HTTPFields()
        fields[HTTPField.Name("RateLimit-Limit")!] = String(decision.limit)
        fields[HTTPField.Name("RateLimit-Remaining")!] = String(decision.remaining)
        fields[HTTPField.Name("RateLimit-Reset")!] = String(decision.resetSeconds)
        return fields
    }
}
