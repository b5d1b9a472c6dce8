import ArgumentParser
import Foundation
import GLMTTSServer
import GLMTTSService
import Logging

/// `glmtts nodes`: the nodes of a shared store (`GLMTTS_STORE=postgres://…`) as they last
/// reported themselves — role, slots, running jobs, last report — for an operator checking
/// which API nodes and workers are alive.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List the nodes sharing this PostgreSQL store and when each last reported.",
        discussion: """
            Every node reports with its heartbeat (every third of GLMTTS_LEASE_SECONDS, at most
            5 s). A node that stopped reporting for longer than its lease is down or cut off;
            nodes silent for a day are forgotten. Needs GLMTTS_STORE=postgres://… (a node on
            SQLite is the only one).
            """)

    @Option(help: "Settings file (KEY=VALUE lines; default: GLMTTS_CONFIG).")
    var config: String?

    @Option(help: "List nodes that reported within this many seconds.")
    var within: Double = 86_400

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let configuration = try ServerConfiguration.load(configFile: config.map { URL(fileURLWithPath: $0) })
            guard case let .postgres(location) = configuration.store else {
                throw ValidationError("Nodes are listed from a shared store: set GLMTTS_STORE=postgres://… as the nodes have it.")
            }
            let database = try await PostgresServiceDatabase(location: location, logger: Logger(label: "glmtts.nodes"))
            let store = PostgresJobStore(database: database, node: "glmtts nodes")
            let now = Date()
            let nodes: [NodeStatus]
            do {
                nodes = try await store.nodes(seenSince: now.addingTimeInterval(-max(0, within)))
                await database.close()
            } catch {
                await database.close()
                throw error
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(nodes), as: UTF8.self))
                return
            }
            if nodes.isEmpty {
                print("No node reported in the last \(Int(within)) s.")
                return
            }
            print("NAME                  ROLE    RUNNING  SLOTS                 LAST REPORT")
            for node in nodes {
                let slots = node.slots.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
                let ago = String(format: "%.1f s ago", now.timeIntervalSince(node.seenAt))
                print(
                    [
                        node.name.padding(toLength: 20, withPad: " ", startingAt: 0),
                        node.role.padding(toLength: 6, withPad: " ", startingAt: 0),
                        String(node.running).padding(toLength: 7, withPad: " ", startingAt: 0),
                        (slots.isEmpty ? "-" : slots).padding(toLength: 20, withPad: " ", startingAt: 0), ago,
                    ].joined(separator: "  "))
            }
        }
    }
}
