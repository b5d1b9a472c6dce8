import HTTPTypes
import OpenAPIRuntime

/// In open mode (no keys), refuses with `403` what a foreign web page sends through a
/// browser: requests addressed to a foreign `Host` or from a foreign `Origin`
/// (`OpenModeRequestGuard`).
struct OpenModeGuardMiddleware: ServerMiddleware {
    let policy: AccessPolicy
    let requestGuard: OpenModeRequestGuard

    init(policy: AccessPolicy, configuration: ServerConfiguration) {
        self.policy = policy
        // `*` in GLMTTS_CORS_ORIGINS lets pages read answers, not act in open mode.
        requestGuard = OpenModeRequestGuard(
            bindHost: configuration.host,
            allowedOrigins: configuration.corsAllowedOrigins.filter { $0 != "*" })
    }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if policy.requirement(for: operationID, request, clientAddress: RequestInfo.current.clientAddress) == .openMode {
            try requestGuard.check(request)
        }
        return try await next(request, body, metadata)
    }
}
