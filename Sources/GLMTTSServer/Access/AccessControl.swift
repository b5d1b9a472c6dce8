import OpenAPIRuntime

/// The OpenAPI middlewares that control access to every operation, in the order they run:
/// the operation label (so refusals are counted), the open-mode guard, authentication,
/// the scope check, the rate limit, the stream cap and the concurrency cap. Refusals are
/// problems: `401` (with `WWW-Authenticate: Bearer`), `403`, `429` (with `Retry-After`).
enum AccessControl {
    /// The middlewares for a server with `configuration` over `dependencies`.
    static func middlewares(configuration: ServerConfiguration, dependencies: ServerDependencies) -> [any ServerMiddleware] {
        let policy = AccessPolicy(configuration: configuration)
        let limiter = RateLimiter()
        return [
            OperationLabelMiddleware(),
            OpenModeGuardMiddleware(policy: policy, configuration: configuration),
            AuthenticationMiddleware(policy: policy, keys: dependencies.keys, usage: KeyUsageRecorder(keys: dependencies.keys)),
            ScopeMiddleware(),
            RateLimitMiddleware(limiter: limiter, defaultLimit: configuration.rateLimitPerMinute, metrics: dependencies.metrics),
            StreamLimitMiddleware(streams: dependencies.streams, cap: configuration.maxStreamsPerClient, metrics: dependencies.metrics),
            ConcurrencyLimitMiddleware(limiter: limiter, cap: configuration.maxConcurrentPerClient, metrics: dependencies.metrics),
        ]
    }
}
