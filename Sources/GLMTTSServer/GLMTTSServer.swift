package import Foundation
import GLMTTSCore
package import Hummingbird
package import Logging
import NIOCore
import OpenAPIHummingbird

/// The HTTP server: the OpenAPI operations (`APIHandler`) behind request-context and CORS
/// middleware, plus the Swagger UI at `/docs` and the web UI at `/`.
package enum GLMTTSServer {
    /// Builds the application over an opened `ServiceContext`. `onServerRunning` receives
    /// the bound port (useful with port 0).
    package static func application(
        context: ServiceContext, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let configuration = context.configuration
        let router = Router(context: BasicRequestContext.self)
        // The largest upload plus room for the other fields (the longest text, in UTF-8, with
        // margin for a clear "text too long" answer rather than a 413).
        let maxBody = configuration.maxUploadBytes + max(1 << 20, configuration.textLimits.maxCharacters * 4 * 4)
        router.add(middleware: RequestContextMiddleware(maxBodyBytes: maxBody, logger: context.logger))
        router.add(middleware: CrossOriginMiddleware(allowedOrigins: configuration.corsAllowedOrigins))
        try APIHandler(context: context).registerHandlers(on: router)
        SwaggerUIRoutes.add(to: router)
        WebUIRoutes.add(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "glmtts"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: context.logger)
    }

    /// Opens the service, serves until SIGINT/SIGTERM, then stops the queue (running jobs
    /// get `gracePeriod`; the rest stay queued for the next start).
    package static func run(configuration: ServerConfiguration, logger: Logger, gracePeriod: Duration = .seconds(10)) async throws {
        let context = try await ServiceContext(configuration: configuration, logger: logger)
        let retention = RetentionSweeper(context: context)
        let sweeper = Task { await retention.run() }
        let app = try application(context: context) { port in
            logger.notice("GLM-TTS Enhanced listening", metadata: [
                "url": "http://\(configuration.host):\(port)", "docs": "http://\(configuration.host):\(port)/docs",
                "data": "\(configuration.dataDirectory.root.path)",
            ])
        }
        do {
            try await app.runService()
        } catch {
            sweeper.cancel()
            await context.shutdown(gracePeriod: gracePeriod)
            throw error
        }
        sweeper.cancel()
        logger.notice("stopping: letting running jobs finish", metadata: ["grace_seconds": "\(gracePeriod.components.seconds)"])
        await context.shutdown(gracePeriod: gracePeriod)
    }
}
