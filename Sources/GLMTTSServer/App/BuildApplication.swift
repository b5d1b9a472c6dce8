import GLMTTSEngine
package import Hummingbird
import OpenAPIHummingbird

/// The HTTP server over `dependencies`: the OpenAPI operations (`APIHandler`) behind the
/// request middleware, the MCP endpoint (`MCPHTTPEndpoint`) behind the same access checks, the Swagger UI at `/docs`, the web UI at `/`, and the background
/// services — the job queue, the retention sweeper, the idle-model unloader and the SIGHUP
/// model reloader — which `runService()` runs in one `ServiceGroup` with the server and
/// stops gracefully on SIGTERM/SIGINT (server first, queue last). Building it starts
/// nothing; the queue starts just before the server accepts requests.
///
/// `onServerRunning` receives the bound port (useful with port 0).
package func buildApplication(
    configuration: ServerConfiguration, dependencies: ServerDependencies,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = Router(context: ServerRequestContext.self)
    let maxBody = configuration.maxRequestBodyBytes
    // Outermost first: response headers, the request id and problem rendering wrap
    // everything, the access log and metrics see the final status.
    router.addMiddleware {
        ResponseHeadersMiddleware()
        RequestIDMiddleware()
        ClientAddressMiddleware(trustedProxies: Set(configuration.trustedProxies))
        AccessLogMiddleware(logger: dependencies.logger)
        MetricsMiddleware(metrics: dependencies.metrics)
        ProblemMiddleware(logger: dependencies.logger)
        BodyLimitMiddleware(maxBodyBytes: maxBody, maxUploadBytes: configuration.maxUploadBytes)
        RequestHeadersMiddleware()
        CrossOriginMiddleware(allowedOrigins: configuration.corsAllowedOrigins)
    }
    if !configuration.role.servesAPI { router.addMiddleware { WorkerRoleMiddleware() } }
    let reloader = ModelReloader(engines: dependencies.engines, logger: dependencies.logger)
    // Access checks run per OpenAPI operation (they need its id).
    let access = AccessControl.middlewares(configuration: configuration, dependencies: dependencies)
    let handler = APIHandler(
        dependencies: dependencies, reloader: reloader, pulls: ModelPullJobs(configuration: configuration, reloader: reloader))
    try handler.registerHandlers(on: router, middlewares: access + [URLEncodedFormMiddleware()])
    MCPHTTPEndpoint.add(to: router, handler: handler, middlewares: access, bodyLimit: MCPHTTPEndpoint.bodyLimit(configuration))
    SwaggerUIRoutes.add(to: router, directory: SwaggerUIRoutes.directory(configuration))
    WebUIRoutes.add(to: router, folder: WebUIRoutes.directory(configuration))
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "glmtts"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: dependencies.logger)
    let scheduler = dependencies.scheduler
    app.beforeServerStarts { try await scheduler.start() }
    // Shut down in reverse order, after the server: the reloader, unloader and sweeper
    // stop at once; the queue lets running jobs finish.
    app.addServices(
        JobQueueService(
            scheduler: scheduler, gracePeriod: .milliseconds(Int(configuration.shutdownGraceSeconds * 1000)),
            logger: dependencies.logger),
        RetentionSweeper(
            jobs: dependencies.jobs, blobs: dependencies.blobs, retentionSeconds: configuration.retentionSeconds,
            logger: dependencies.logger),
        IdleModelUnloader(engines: dependencies.engines, idleSeconds: configuration.modelIdleSeconds),
        reloader)
    if let port = configuration.wyomingPort {
        // Added last, so it stops first after the HTTP server, while the queue still runs.
        app.addServices(
            WyomingServer(
                handler: handler, host: configuration.wyomingHost, port: port,
                allowedClients: Set(configuration.wyomingAllowedClients),
                announcement: configuration.wyomingZeroconfName.map {
                    ZeroconfAnnouncer(instanceName: $0, bindHost: configuration.wyomingHost, logger: dependencies.logger)
                }, logger: dependencies.logger))
    }
    return app
}
