import Foundation
import GLMTTSEngine
import Hummingbird
package import Logging

/// Running the HTTP server from its settings.
package enum GLMTTSServer {
    /// Opens the stores, builds the application and serves until SIGINT/SIGTERM; then the
    /// server stops accepting requests, running jobs get `shutdownGraceSeconds` to finish
    /// (later they are re-queued), queued jobs stay for the next start, and the engines and
    /// stores are closed. SIGHUP re-reads the models directory; idle models are unloaded.
    package static func run(configuration: ServerConfiguration, logger: Logger) async throws {
        let dependencies = try await ServerDependencies.open(configuration: configuration, logger: logger)
        await logAccessMode(configuration: configuration, dependencies: dependencies)
        logger.info(
            "stores opened",
            metadata: [
                "jobs": "\(configuration.store.summary)", "files": "\(configuration.blobs.summary)",
                "role": "\(configuration.role.rawValue)",
            ])
        // An API node runs no synthesis: its default voice would only take memory.
        if configuration.role.runsJobs {
            await dependencies.warmUp.start(engines: dependencies.engines) { [logger] line in logger.info("\(line)") }
        }
        let app = try buildApplication(configuration: configuration, dependencies: dependencies) { port in
            logger.notice(
                "GLM-TTS Enhanced listening",
                metadata: [
                    "url": "http://\(configuration.host):\(port)", "docs": "http://\(configuration.host):\(port)/docs",
                    "data": "\(configuration.dataDirectory.root.path)",
                ])
        }
        do {
            try await app.runService()
        } catch {
            await stop(dependencies)
            throw error
        }
        await stop(dependencies)
        logger.notice("stopped")
    }

    /// `glmtts mcp`: the MCP server on standard input and output (one JSON-RPC message per
    /// line) over this data directory's stores, queue and engines, as the local user (open:
    /// no key). Runs until the client closes standard input; running jobs then get
    /// `shutdownGraceSeconds` to finish. The log goes to standard error.
    package static func runMCP(configuration: ServerConfiguration, logger: Logger) async throws {
        let dependencies = try await ServerDependencies.open(configuration: configuration, logger: logger)
        await dependencies.warmUp.start(engines: dependencies.engines) { [logger] line in logger.info("\(line)") }
        let reloader = ModelReloader(engines: dependencies.engines, logger: logger)
        let handler = APIHandler(
            dependencies: dependencies, reloader: reloader, pulls: ModelPullJobs(configuration: configuration, reloader: reloader))
        let toolbox = MCPToolbox(
            handler: handler, request: RequestInfo(requestID: "mcp-stdio", path: MCPHTTPEndpoint.path),
            files: MCPFileFolder(root: configuration.mcpFilesDirectory, maxBytes: configuration.maxUploadBytes))
        do {
            try await dependencies.scheduler.start()
            let server = await MCPServerFactory.server(toolbox)
            try await server.start(transport: StdioLineTransport(maxLineBytes: MCPHTTPEndpoint.bodyLimit(configuration)))
            logger.notice("MCP server on standard input/output", metadata: ["data": "\(configuration.dataDirectory.root.path)"])
            await server.waitUntilCompleted()
            await server.stop()
        } catch {
            await dependencies.scheduler.shutdown(gracePeriod: .seconds(configuration.shutdownGraceSeconds))
            await stop(dependencies)
            throw error
        }
        await dependencies.scheduler.shutdown(gracePeriod: .seconds(configuration.shutdownGraceSeconds))
        await stop(dependencies)
        logger.notice("MCP client closed the connection; stopped")
    }

    /// Waits for in-process inference still running (a cancelled job's last chunk, a session
    /// loading in the background), stops the recognizer and synthesizer workers and closes
    /// the stores.
    private static func stop(_ dependencies: ServerDependencies) async {
        await dependencies.warmUp.stop()
        if !(await InferenceThreads.shared.waitUntilReturned(timeout: .seconds(60))) {
            dependencies.logger.warning("in-process inference still running after 60 s; stopping anyway")
        }
        await dependencies.engines.reload()
        await dependencies.close()
    }

    /// Says at start whether keys are required, and warns about open mode or a keyless start.
    private static func logAccessMode(configuration: ServerConfiguration, dependencies: ServerDependencies) async {
        let logger = dependencies.logger
        if configuration.requiresKeys {
            let active = ((try? await dependencies.keys.all()) ?? []).filter { $0.revokedAt == nil }
            logger.notice("API keys are required", metadata: ["active_keys": "\(active.count)"])
            if active.isEmpty {
                logger.warning(
                    "no API key exists yet: every request except /health and /ready will be refused; create one with `glmtts keys create --name admin --scope admin`"
                )
            }
        } else {
            logger.warning(
                "OPEN MODE: no API key is required. Anyone who can reach \(configuration.host):\(configuration.port) may use this server; this is allowed only on loopback. Set GLMTTS_AUTH=keys to require keys."
            )
        }
    }
}
