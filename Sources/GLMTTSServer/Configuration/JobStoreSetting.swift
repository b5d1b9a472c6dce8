package import GLMTTSService

/// Where the server keeps jobs, their events and saved voices (`GLMTTS_STORE`): the data
/// directory's SQLite database (default, `sqlite`), or a PostgreSQL database
/// (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`, password also from
/// `PGPASSWORD`). API keys stay in the data directory's SQLite database either way.
package enum JobStoreSetting: Sendable, Equatable {
    /// `<data>/service/service.sqlite`.
    case sqlite
    /// A PostgreSQL database.
    case postgres(PostgresLocation)

    /// The setting in `reader`, `.sqlite` when unset. Throws a `ConfigurationError` naming the
    /// setting, never echoing a password.
    package init(_ reader: SettingsReader) throws {
        guard let text = reader.string("GLMTTS_STORE"), text.lowercased() != "sqlite" else {
            self = .sqlite
            return
        }
        let shown: String
        if let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://") {
            shown = String(text[..<scheme.upperBound]) + "(user and password hidden)" + String(text[at...])
        } else {
            shown = text
        }
        guard text.lowercased().hasPrefix("postgres://") || text.lowercased().hasPrefix("postgresql://") else {
            throw ConfigurationError.invalid(
                name: "GLMTTS_STORE", value: shown, expected: "sqlite (the default) or postgres://USER@HOST:PORT/DATABASE")
        }
        do {
            self = .postgres(try PostgresLocation(parsing: text, environmentPassword: reader.string("PGPASSWORD")))
        } catch {
            throw ConfigurationError.invalid(name: "GLMTTS_STORE", value: shown, expected: error.expected)
        }
    }

    /// How the setting is shown at start (no password).
    package var summary: String {
        switch self {
        case .sqlite: return "sqlite (data directory)"
        case let .postgres(location): return location.description
        }
    }
}
