import ArgumentParser
import Foundation
import GLMTTSServer
import Logging

/// `glmtts mcp`: the MCP server for AI agents, on standard input and output.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Run the MCP server (Model Context Protocol) for AI agents on standard input/output.",
        discussion: """
            An MCP client (Claude Desktop, an IDE, an agent framework) starts this command and
            talks JSON-RPC over its standard input and output; the log goes to standard error.
            Tools: synthesize, transcribe, list_voices, list_models, job_status; resources: saved
            voices and the audio of jobs. It uses the same settings, data directory, queue and
            limits as `glmtts serve`, as the local user (no key), and stops when the client closes
            standard input. One process per data directory: while `glmtts serve` runs on it,
            connect the client to that server's /mcp endpoint instead (docs/INTEGRATIONS.md).
            """
    )

    @Option(help: "Settings file (KEY=VALUE lines; default: GLMTTS_CONFIG).")
    var config: String?

    func run() async throws {
        try await runReportingErrors {
            let configuration = try ServerConfiguration.load(configFile: config.map { URL(fileURLWithPath: $0) })
            let logger = ServerLogging.start(configuration)
            try await GLMTTSServer.runMCP(configuration: configuration, logger: logger)
        }
    }
}
