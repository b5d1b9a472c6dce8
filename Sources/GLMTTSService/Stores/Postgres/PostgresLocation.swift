import Foundation

/// A PostgreSQL server and database, parsed from `GLMTTS_STORE`:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`, or
/// `postgres://USER@/DATABASE?host=/run/postgresql` for a Unix socket folder, and
/// `listen=off` for nodes that reach the database through a pooler in transaction mode
/// (PgBouncer), where LISTEN hears nothing: they poll instead. A password may also come from
/// `PGPASSWORD`. Printing it never shows the password.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable {
        /// Plain TCP (loopback, or a private network you trust).
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection, the certificate checked against the system's roots.
        case require
    }

    /// The host name or address; nil with a Unix socket.
    public let host: String?
    /// The TCP port (5432 unless given).
    public let port: Int
    /// The folder holding the server's Unix socket (`.s.PGSQL.PORT`), instead of TCP.
    public let socketFolder: String?
    /// The role to connect as.
    public let user: String
    /// The role's password (nil: none, trust or peer authentication).
    public let password: String?
    /// The database.
    public let database: String
    /// TLS over TCP.
    public let tls: TLSMode
    /// Whether nodes hold a LISTEN connection for the store's notifications (`listen=on`,
    /// the default) or only poll (`listen=off`).
    public let listens: Bool

    /// What is wrong with a `postgres://` setting.
    public struct Invalid: Error, Equatable {
        /// What the setting must look like instead.
        public let expected: String
    }

    /// Parses `text`; `environmentPassword` (`PGPASSWORD`) is used when the URL has none.
    public init(parsing text: String, environmentPassword: String? = nil) throws(Invalid) {
        let shape = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&listen=on|off]"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw Invalid(expected: shape) }
        guard let user = components.user, !user.isEmpty else { throw Invalid(expected: "a user name: " + shape) }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw Invalid(expected: "a database name: " + shape) }
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["sslmode", "host", "listen"].contains(item.name), options[item.name] == nil else {
                throw Invalid(expected: "only the options sslmode, host and listen, each at most once")
            }
            options[item.name] = item.value ?? ""
        }
        guard let tls = TLSMode(rawValue: options["sslmode"] ?? "prefer") else {
            throw Invalid(expected: "sslmode=disable, prefer or require")
        }
        switch options["listen"] ?? "on" {
        case "on": listens = true
        case "off": listens = false
        default: throw Invalid(expected: "listen=on or listen=off")
        }
        if let folder = options["host"] {
            guard folder.hasPrefix("/"), components.host?.isEmpty ?? true else {
                throw Invalid(expected: "host=/ABSOLUTE/SOCKET/FOLDER with no host name before the path")
            }
            socketFolder = folder
            host = nil
        } else {
            guard let host = components.host, !host.isEmpty else { throw Invalid(expected: "a host: " + shape) }
            self.host = host
            socketFolder = nil
        }
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw Invalid(expected: "a port from 1 to 65535") }
        self.user = user
        self.password = components.password ?? environmentPassword
        self.database = database
        self.tls = socketFolder == nil ? tls : .disable
    }

    /// The socket file for a socket folder.
    public var socketPath: String? { socketFolder.map { "\($0)/.s.PGSQL.\(port)" } }

    /// `postgres://user@host:port/database` — no password.
    public var description: String {
        "postgres://\(user)@\(host ?? "")\(host == nil ? "" : ":\(port)")/\(database)" + (socketFolder.map { "?host=\($0)" } ?? "")
    }
}
