import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSServer
import GLMTTSService
import Logging

/// `glmtts keys`: create, list and revoke API keys in the server's database (works while
/// the server runs; a revocation applies to its next request).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys.",
        discussion: """
            Keys are stored hashed in <data dir>/service/service.sqlite (GLMTTS_DATA_DIR, or the
            settings file given by --config / GLMTTS_CONFIG), or with GLMTTS_STORE=postgres://… in
            that PostgreSQL database, shared by every node. Clients send them as
            'Authorization: Bearer <key>'. Scopes: read (GET operations), synthesize (also create
            and delete jobs, voices, transcriptions), admin (everything, incl. keys, models, metrics).
            """,
        subcommands: [KeysCreateCommand.self, KeysListCommand.self, KeysRevokeCommand.self]
    )
}

/// Options shared by the `keys` subcommands.
struct KeysStoreOptions: ParsableArguments {
    @Option(help: "Settings file (KEY=VALUE lines; default: GLMTTS_CONFIG).")
    var config: String?

    /// Runs `body` with the configured key store — the data directory's SQLite database, or
    /// the PostgreSQL database of `GLMTTS_STORE=postgres://…`, which every node shares — and
    /// closes it afterwards.
    func withKeys<T: Sendable>(_ body: (any APIKeyStore) async throws -> T) async throws -> T {
        let configuration = try ServerConfiguration.load(configFile: config.map { URL(fileURLWithPath: $0) })
        switch configuration.store {
        case .sqlite:
            let path = configuration.dataDirectory.root.appendingPathComponent("service/service.sqlite")
            let database = try ServiceDatabase(path: path)
            defer { try? database.close() }
            return try await body(SQLiteAPIKeyStore(database: database))
        case let .postgres(location):
            let database = try await PostgresServiceDatabase(location: location, logger: Logger(label: "glmtts.keys"))
            do {
                let result = try await body(PostgresAPIKeyStore(database: database))
                await database.close()
                return result
            } catch {
                await database.close()
                throw error
            }
        }
    }
}

/// `glmtts keys create`.
struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key and print its secret (shown only once).")

    @OptionGroup var store: KeysStoreOptions

    @Option(help: "A name for the key (who or what uses it).")
    var name: String

    @Option(name: .customLong("scope"), help: "admin, synthesize or read; repeat for several.")
    var scopes: [String] = ["synthesize"]

    @Option(help: "Requests per minute for this key (0: unlimited; default: the server's GLMTTS_RATE_LIMIT_PER_MINUTE).")
    var rateLimit: Int?

    @Option(help: "Characters synthesised per UTC day (0: unlimited; default: the server's GLMTTS_QUOTA_CHARS_PER_DAY).")
    var quota: Int?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(trimmed.count) else { throw ValidationError("--name must be 1–100 characters.") }
            let parsed = try scopes.map { text -> APIKeyScope in
                guard let scope = APIKeyScope(rawValue: text.lowercased()) else {
                    throw ValidationError("--scope '\(text)' is not a scope: use admin, synthesize or read.")
                }
                return scope
            }
            if let rateLimit, rateLimit < 0 { throw ValidationError("--rate-limit must be 0 or more.") }
            if let quota, quota < 0 { throw ValidationError("--quota must be 0 or more.") }
            let (record, token) = try await store.withKeys { keys in
                try await keys.create(name: trimmed, scopes: parsed, rateLimitPerMinute: rateLimit, quotaCharactersPerDay: quota)
            }
            if json {
                let object: [String: Any] = [
                    "id": record.id, "name": record.name, "scopes": record.scopes.map(\.rawValue), "key": token.text,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("Created key \(record.id) '\(record.name)' with scopes \(record.scopes.map(\.rawValue).joined(separator: ", ")).")
                print("Its secret is shown only now; send it as 'Authorization: Bearer <key>':")
                print(token.text)
            }
        }
    }
}

/// `glmtts keys list`.
struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (never their secrets).")

    @OptionGroup var store: KeysStoreOptions

    func run() async throws {
        try await runReportingErrors {
            let all = try await store.withKeys { try await $0.all() }
            if all.isEmpty {
                print("No API keys. Create one with: glmtts keys create --name NAME --scope admin")
                return
            }
            let formatter = ISO8601DateFormatter()
            print("ID            STATE    SCOPES                 CREATED               LAST USED             NAME")
            for key in all {
                let state = key.revokedAt == nil ? "active " : "revoked"
                let scopes = key.scopes.map(\.rawValue).joined(separator: ",")
                let used = key.lastUsedAt.map { formatter.string(from: $0) } ?? "never"
                print(
                    "\(key.id)  \(state)  \(scopes.padding(toLength: 21, withPad: " ", startingAt: 0))  \(formatter.string(from: key.createdAt))  \(used.padding(toLength: 20, withPad: " ", startingAt: 0))  \(key.name)"
                )
            }
        }
    }
}

/// `glmtts keys revoke ID`.
struct KeysRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key at once.")

    @OptionGroup var store: KeysStoreOptions

    @Argument(help: "The key's id (first column of `glmtts keys list`).")
    var id: String

    func run() async throws {
        try await runReportingErrors {
            guard let record = try await store.withKeys({ [id] in try await $0.revoke(id: id) }) else {
                throw ValidationError("There is no key '\(id.prefix(64))'; see `glmtts keys list`.")
            }
            print("Revoked key \(record.id) '\(record.name)'.")
        }
    }
}
