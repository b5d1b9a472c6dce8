import Foundation
import GLMTTSEngine
import Logging
import NIOSSL
import PostgresNIO

/// The service's PostgreSQL database (jobs, their events, saved voices), shared by
/// `PostgresJobStore` and `PostgresVoiceStore`: a postgres-nio `PostgresClient` (a pool of
/// up to 10 connections, run for as long as the database is open) with the schema brought up
/// to date at open (`PostgresSchema`, versioned; concurrent starts wait for each other on an
/// advisory lock).
///
/// Like `ServiceDatabase`, an operation is not cancelled with the task that asked for it, and
/// every failure is a `StoreError`: a server that cannot be reached, or does not answer within
/// 10 seconds, is `StoreError.unreachable` (503, retryable), never a hang. SQL and the
/// server's error text never reach a client; the password never reaches a log.
public final class PostgresServiceDatabase: Sendable {
    /// Where the database is.
    public let location: PostgresLocation
    /// This process's `application_name` on every connection (nil: PostgreSQL's default): the
    /// store's triggers put it in their notifications, so a node can skip its own.
    public let applicationName: String?
    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger: Logger
    /// The longest one operation may wait for a connection and its answer.
    static let operationTimeout: Duration = .seconds(10)

    /// Connects as `applicationName` (see `applicationName(ofNode:)`), and migrates the schema.
    /// Throws `StoreError` when the server cannot be reached or refuses.
    public init(location: PostgresLocation, applicationName: String? = nil, logger: Logger) async throws {
        self.location = location
        self.applicationName = applicationName
        self.logger = logger
        var configuration = Self.clientConfiguration(location)
        configuration.options.maximumConnections = 10
        configuration.options.connectTimeout = .seconds(5)
        if let applicationName { configuration.options.additionalStartupParameters = [("application_name", applicationName)] }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
        do {
            try await PostgresSchema.migrate(self)
        } catch {
            running.cancel()
            throw error
        }
    }

    /// Stops the pool; later calls fail.
    public func close() async {
        running.cancel()
        _ = await running.value
    }

    /// Proves the database takes a write now (readiness check).
    public func checkWritable() async throws {
        try await run("checking that the database is writable") { client in
            try await client.query(
                "INSERT INTO health (id, checked_at) VALUES (1, \(Date().timeIntervalSince1970)) ON CONFLICT (id) DO UPDATE SET checked_at = EXCLUDED.checked_at"
            )
        }
    }

    /// Runs `body` with the client, detached from the caller's cancellation, within
    /// `operationTimeout`, its errors as `StoreError`s. The answer comes within the timeout
    /// even when `body` does not notice its cancellation (a query on a connection the server
    /// cut may not): it is cancelled and left to end on its own.
    func run<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let client = self.client
        let location = self.location
        return try await withCheckedThrowingContinuation { continuation in
            let answer = OneAnswer(continuation)
            let work = Task {
                do {
                    answer.give(.success(try await body(client)))
                } catch {
                    answer.give(.failure(Self.storeError(error, location: location, operation: operation)))
                }
            }
            Task {
                try? await Task.sleep(for: Self.operationTimeout)
                if answer.give(.failure(StoreError.unreachable(store: location.description, reason: "no answer within 10 s"))) {
                    work.cancel()
                }
            }
        }
    }

    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws).
    func transaction<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await run(operation) { client in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// `error` as a `StoreError`.
    static func storeError(_ error: any Error, location: PostgresLocation, operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                switch state {
                case "53100": return .diskFull(path: location.description)
                case "25006": return .readOnly(path: location.description)
                case "57P01", "57P02", "57P03", "53300":  // shut down, crashed, starting, too many connections
                    return .unreachable(store: location.description, reason: "the server is restarting or full (SQLSTATE \(state))")
                case "28P01", "28000": return .unreachable(store: location.description, reason: "the server refused the credentials")
                case "3D000": return .unreachable(store: location.description, reason: "the database does not exist")
                default: return .failed(operation: operation, reason: "PostgreSQL SQLSTATE \(state)")
                }
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed, .clientClosedConnection:
                return .unreachable(store: location.description, reason: "the connection failed or was closed")
            case .sslUnsupported:
                return .unreachable(store: location.description, reason: "the server does not offer TLS (sslmode=require)")
            case .authMechanismRequiresPassword:
                return .unreachable(store: location.description, reason: "the server asks for a password (PGPASSWORD or the URL)")
            default: return .failed(operation: operation, reason: "PostgreSQL client error \(error.code)")
            }
        }
        if error is PostgresDecodingError || error is DecodingError {
            return .failed(operation: operation, reason: "a stored record could not be decoded")
        }
        if error is EncodingError { return .failed(operation: operation, reason: "a record could not be encoded") }
        if error is CancellationError { return .failed(operation: operation, reason: "cancelled") }
        return .unreachable(store: location.description, reason: "the connection failed")
    }

    /// The `application_name` of node `node`: `glmtts-` and 16 hex digits of its name's
    /// SHA-256 (a node name may be longer than PostgreSQL keeps, or hold characters a
    /// notification's fields cannot).
    public static func applicationName(ofNode node: String) -> String {
        "glmtts-" + SigV4Signer.hexSHA256(Data(node.utf8)).prefix(16)
    }

    /// The settings of one connection to `location` outside the pool (the LISTEN
    /// connection), with the same TLS choice and trust roots as the pool's.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = try Self.connectionConfiguration(location)
        if let applicationName { configuration.options.additionalStartupParameters = [("application_name", applicationName)] }
        return configuration
    }

    /// The settings of one connection to `location` outside the pool.
    static func connectionConfiguration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socket = location.socketPath {
            configuration = .init(unixSocketPath: socket, username: location.user, password: location.password, database: location.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            configuration = .init(
                host: location.host ?? "localhost", port: location.port, username: location.user, password: location.password,
                database: location.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The client settings of `location` (TLS contexts from the system's trust roots).
    static func clientConfiguration(_ location: PostgresLocation) -> PostgresClient.Configuration {
        if let socket = location.socketPath {
            return .init(unixSocketPath: socket, username: location.user, password: location.password, database: location.database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        return .init(
            host: location.host ?? "localhost", port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
    }
}
