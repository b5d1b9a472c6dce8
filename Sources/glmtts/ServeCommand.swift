import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSServer
import Logging

/// `glmtts serve`: the HTTP API, web UI, docs and job queue.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server (web UI, REST API, OpenAI-compatible API, job queue).",
        discussion: """
            Settings, from lowest to highest precedence: built-in defaults, a settings file
            (--config or GLMTTS_CONFIG; KEY=VALUE lines as in .env.example), GLMTTS_* environment
            variables, these flags. Binds to 127.0.0.1:8080 by default, where no API key is
            needed; on any other address keys are required (GLMTTS_AUTH). Jobs, results, voices
            and keys live in <data dir>/service; queued jobs survive restarts. SIGHUP re-reads
            the models directory. Stop with Ctrl-C or SIGTERM: running jobs get the grace period
            to finish, the rest stay queued.
            """
    )

    @Option(help: "Settings file (KEY=VALUE lines; default: GLMTTS_CONFIG).")
    var config: String?

    @Option(help: "Address to bind (default: GLMTTS_HOST or 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (default: GLMTTS_PORT or 8080).")
    var port: Int?

    @Option(
        help: "Also serve the Wyoming protocol (Home Assistant) on this port; 0 picks a free one (default: GLMTTS_WYOMING_PORT, else off).")
    var wyomingPort: Int?

    @Option(
        help:
            "Announce the Wyoming server on the local network (mDNS/zeroconf) under this name, for Home Assistant's discovery (default: GLMTTS_WYOMING_ZEROCONF, else not announced)."
    )
    var wyomingZeroconf: String?

    @Option(help: "API keys: auto (required unless on loopback), open (loopback only) or keys (default: GLMTTS_AUTH or auto).")
    var auth: String?

    @Option(help: "Log format: text, json or logfmt (default: GLMTTS_LOG_FORMAT or text).")
    var logFormat: String?

    @Option(help: "Seconds running jobs get to finish at shutdown (default: GLMTTS_SHUTDOWN_GRACE_SECONDS or 30).")
    var grace: Double?

    @Option(
        help:
            "all (API and job runs, the default), api (queues and follows jobs, runs none) or worker (runs jobs; only /health, /ready and /metrics over HTTP). api and worker need GLMTTS_STORE=postgres://… (default: GLMTTS_ROLE or all)."
    )
    var role: String?

    func run() async throws {
        try await runReportingErrors {
            var configuration = try ServerConfiguration.load(configFile: config.map { URL(fileURLWithPath: $0) })
            if let host { configuration.host = host }
            if let port {
                guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
                configuration.port = port
            }
            if let wyomingPort {
                guard (0...65_535).contains(wyomingPort) else { throw ValidationError("--wyoming-port must be 0…65535.") }
                configuration.wyomingPort = wyomingPort
            }
            if let wyomingZeroconf { configuration.wyomingZeroconfName = wyomingZeroconf }
            if let auth {
                guard let mode = AccessMode(rawValue: auth.lowercased()) else {
                    throw ValidationError("--auth must be auto, open or keys.")
                }
                configuration.accessMode = mode
            }
            if let logFormat {
                guard let format = LogFormat(rawValue: logFormat.lowercased()) else {
                    throw ValidationError("--log-format must be text, json or logfmt.")
                }
                configuration.logFormat = format
            }
            if let role {
                guard let parsed = ServerRole(rawValue: role.lowercased()) else {
                    throw ValidationError("--role must be all, api or worker.")
                }
                configuration.role = parsed
            }
            if let grace {
                guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be 0 or more seconds.") }
                configuration.shutdownGraceSeconds = grace
            }
            try configuration.validate()
            let logger = ServerLogging.start(configuration)
            try await GLMTTSServer.run(configuration: configuration, logger: logger)
        }
    }
}
