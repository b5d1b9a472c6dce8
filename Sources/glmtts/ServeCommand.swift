import ArgumentParser
import Foundation
import GLMTTSCore
import GLMTTSServer
import Logging

/// `glmtts serve`: the HTTP API, web docs and job queue.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server (REST API, OpenAI-compatible API, job queue).",
        discussion: """
        Settings come from GLMTTS_* environment variables (see docs/API.md); --host and
        --port override theirs. Binds to 127.0.0.1:8080 by default. Jobs, results and saved
        voices live in <data dir>/service; queued jobs survive restarts. Stop with Ctrl-C or
        SIGTERM: running jobs get --grace seconds to finish, the rest stay queued.
        """
    )

    @Option(help: "Address to bind (default: GLMTTS_HOST or 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (default: GLMTTS_PORT or 8080).")
    var port: Int?

    @Option(help: "Seconds running jobs get to finish at shutdown.")
    var grace: Int = 10

    func run() async throws {
        try await runReportingErrors {
            var configuration = try ServerConfiguration.fromEnvironment()
            if let host { configuration.host = host }
            if let port {
                guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
                configuration.port = port
            }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                let level = ProcessInfo.processInfo.environment["GLMTTS_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
                handler.logLevel = level ?? .info
                return handler
            }
            let logger = Logger(label: "glmtts")
            try await GLMTTSServer.run(configuration: configuration, logger: logger, gracePeriod: .seconds(max(0, grace)))
        }
    }
}
