package import Foundation
import GLMTTSEngine
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
        let router = Router(context: ServerRequestContext.self)
        // The largest upload plus room for the other fields (the longest text, in UTF-8, with
        // margin for a clear "text too long" answer rather than a 413).
        let maxBody = configuration.maxUploadBytes + max(1 << 20, configuration.textLimits.maxCharacters * 4 * 4)
        router.add(middleware: RequestContextMiddleware(maxBodyBytes: maxBody, maxUploadBytes: configuration.maxUploadBytes, logger: context.logger, metrics: context.metrics,
                                                        trustedProxies: Set(configuration.trustedProxies)))
        router.add(middleware: CrossOriginMiddleware(allowedOrigins: configuration.corsAllowedOrigins))
        let access = AccessMiddleware(configuration: configuration, keys: context.keys, limiter: RateLimiter(),
                                      streams: context.streams, metrics: context.metrics, usage: KeyUsageRecorder(keys: context.keys))
        try APIHandler(context: context).registerHandlers(on: router, middlewares: [access, URLEncodedFormMiddleware()])
        SwaggerUIRoutes.add(to: router)
        WebUIRoutes.add(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "glmtts"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: context.logger)
    }

    /// Opens the service and serves until SIGINT/SIGTERM, then stops accepting requests and
    /// stops the queue: running jobs get `gracePeriod` (default: the configured
    /// `shutdownGraceSeconds`) to finish, later they are re-queued; queued jobs stay for the
    /// next start. SIGHUP re-reads the models directory. Idle models are unloaded.
    package static func run(configuration: ServerConfiguration, logger: Logger, gracePeriod: Duration? = nil) async throws {
        let gracePeriod = gracePeriod ?? .milliseconds(Int(configuration.shutdownGraceSeconds * 1000))
        let context = try await ServiceContext(configuration: configuration, logger: logger)
        if configuration.requiresKeys {
            let active = ((try? await context.keys.all()) ?? []).filter { $0.revokedAt == nil }
            logger.notice("API keys are required", metadata: ["active_keys": "\(active.count)"])
            if active.isEmpty {
                logger.warning("no API key exists yet: every request except /health and /ready will be refused; create one with `glmtts keys create --name admin --scope admin`")
            }
        } else {
            logger.warning("OPEN MODE: no API key is required. Anyone who can reach \(configuration.host):\(configuration.port) may use this server; this is allowed only on loopback. Set GLMTTS_AUTH=keys to require keys.")
        }
        let retention = RetentionSweeper(context: context)
        let background = [
            Task { await retention.run() },
            Task { await unloadIdleModels(context: context) },
            Task { await reloadModelsOnHangup(context: context) },
        ]
        let app = try application(context: context) { port in
            logger.notice("GLM-TTS Enhanced listening", metadata: [
                "url": "http://\(configuration.host):\(port)", "docs": "http://\(configuration.host):\(port)/docs",
                "data": "\(configuration.dataDirectory.root.path)",
            ])
        }
        do {
            try await app.runService()
        } catch {
            for task in background { task.cancel() }
            await context.shutdown(gracePeriod: gracePeriod)
            throw error
        }
        for task in background { task.cancel() }
        logger.notice("stopping: letting running jobs finish", metadata: ["grace_seconds": "\(gracePeriod.inSeconds)"])
        await context.shutdown(gracePeriod: gracePeriod)
        logger.notice("stopped")
    }

    /// Unloads models unused for `modelIdleSeconds`, checking every quarter of that (at most
    /// every minute), until cancelled.
    static func unloadIdleModels(context: ServiceContext) async {
        let idle = context.configuration.modelIdleSeconds
        guard idle > 0 else { return }
        let interval = min(60, max(1, idle / 4))
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            if Task.isCancelled { return }
            _ = await context.registry.unloadIdle(for: .milliseconds(Int(idle * 1000)))
        }
    }

    /// Re-reads the models directory on every SIGHUP until cancelled.
    static func reloadModelsOnHangup(context: ServiceContext) async {
        let (hangups, continuation) = AsyncStream.makeStream(of: Void.self)
        signal(SIGHUP, SIG_IGN)
        nonisolated(unsafe) let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        await withTaskCancellationHandler {
            for await _ in hangups {
                _ = await context.refreshModels(trigger: "SIGHUP")
            }
        } onCancel: {
            source.cancel()
            continuation.finish()
        }
    }
}
