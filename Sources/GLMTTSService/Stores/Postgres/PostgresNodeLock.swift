import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// One server per PostgreSQL database, for now: a session-level advisory lock held on a
/// dedicated connection for as long as the server runs. At start a server requeues the jobs
/// it finds `running` (`JobStore.recoverInterrupted`); with two servers on one database the
/// second would take the first one's running jobs, so it is refused with what to do instead.
/// The lock goes when the connection does (the process ends, however it ends).
///
/// This is the guard of a single-node PostgreSQL store; the shared queue of many nodes
/// replaces it with per-attempt leases renewed by heartbeats.
public final class PostgresNodeLock: Sendable {
    private let connection: PostgresConnection
    /// The advisory lock key (the migration lock's + 1).
    static let key: Int64 = PostgresSchema.migrationLock + 1

    private init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Takes the lock; throws `StoreError.inUse` when another server holds it, or
    /// `StoreError.unreachable` when the server cannot be reached.
    public static func take(_ location: PostgresLocation, logger: Logger) async throws -> PostgresNodeLock {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try configuration(location), id: 0, logger: logger)
        } catch {
            throw PostgresServiceDatabase.storeError(error, location: location, operation: "taking the node lock")
        }
        var taken = false
        do {
            for try await got in try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger).decode(Bool.self) {
                taken = got
            }
        } catch {
            try? await connection.close()
            throw PostgresServiceDatabase.storeError(error, location: location, operation: "taking the node lock")
        }
        guard taken else {
            try? await connection.close()
            throw StoreError.inUse(store: location.description)
        }
        return PostgresNodeLock(connection: connection)
    }

    /// Gives the lock back (closes its connection).
    public func release() async {
        try? await connection.close()
    }

    static func configuration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        if let socket = location.socketPath {
            return .init(unixSocketPath: socket, username: location.user, password: location.password, database: location.database)
        }
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return .init(
            host: location.host ?? "localhost", port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
    }
}
