import Foundation
import GLMTTSEngine
import PostgresNIO

/// `APIKeyStore` in PostgreSQL (`PostgresServiceDatabase`): one set of keys, revocations and
/// daily quotas for every node of a deployment. Columns as in `SQLiteAPIKeyStore`.
public final class PostgresAPIKeyStore: APIKeyStore {
    private let database: PostgresServiceDatabase

    /// A store in `database`.
    public init(database: PostgresServiceDatabase) {
        self.database = database
    }

    public func insert(_ record: APIKeyRecord, secretHash: String) async throws {
        let scopes = record.scopes.map(\.rawValue).joined(separator: ",")
        try await database.run("saving an API key") { client in
            _ = try await client.query(
                """
                INSERT INTO api_keys (id, name, scopes, secret_hash, created_at, rate_per_minute, chars_per_day)
                VALUES (\(record.id), \(record.name), \(scopes), \(secretHash), \(record.createdAt.timeIntervalSince1970),
                        \(record.rateLimitPerMinute), \(record.quotaCharactersPerDay))
                """)
        }
    }

    public func all() async throws -> [APIKeyRecord] {
        try await keys("reading API keys", "SELECT * FROM api_keys ORDER BY created_at DESC, id").map(\.record)
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        try await storedKey(id: id)?.record
    }

    public func storedKey(id: String) async throws -> (record: APIKeyRecord, secretHash: String)? {
        try await keys("checking an API key", "SELECT * FROM api_keys WHERE id = \(id)").first
    }

    public func revoke(id: String, at now: Date) async throws -> APIKeyRecord? {
        try await keys(
            "revoking an API key",
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(now.timeIntervalSince1970)) WHERE id = \(id) RETURNING *"
        ).first?.record
    }

    public func touch(id: String, at now: Date) async throws {
        try await database.run("recording an API key's use") { client in
            _ = try await client.query("UPDATE api_keys SET last_used_at = \(now.timeIntervalSince1970) WHERE id = \(id)")
        }
    }

    /// One statement: the day's row is created or locked, and added to only when the sum stays
    /// within `limit`, so two nodes charging at once cannot both pass the quota.
    public func charge(id: String, day: String, characters: Int, limit: Int) async throws -> (allowed: Bool, used: Int) {
        try await database.transaction("counting characters against a quota") { connection in
            _ = try await connection.query(
                "INSERT INTO key_usage (key_id, day, characters) VALUES (\(id), \(day), 0) ON CONFLICT DO NOTHING",
                logger: PostgresSchema.logger)
            var used = 0
            for try await value in try await connection.query(
                "SELECT characters FROM key_usage WHERE key_id = \(id) AND day = \(day) FOR UPDATE", logger: PostgresSchema.logger
            ).decode(Int.self) {
                used = value
            }
            if limit > 0 && used + characters > limit { return (false, used) }
            _ = try await connection.query(
                "UPDATE key_usage SET characters = characters + \(characters) WHERE key_id = \(id) AND day = \(day)",
                logger: PostgresSchema.logger)
            _ = try await connection.query("DELETE FROM key_usage WHERE key_id = \(id) AND day < \(day)", logger: PostgresSchema.logger)
            return (true, used + characters)
        }
    }

    public func refund(id: String, day: String, characters: Int) async throws {
        try await database.run("giving back quota") { client in
            _ = try await client.query(
                "UPDATE key_usage SET characters = greatest(0, characters - \(characters)) WHERE key_id = \(id) AND day = \(day)")
        }
    }

    public func usage(id: String, day: String) async throws -> Int {
        try await database.run("reading a quota") { client in
            var used = 0
            for try await value in try await client.query(
                "SELECT characters FROM key_usage WHERE key_id = \(id) AND day = \(day)"
            ).decode(Int.self) {
                used = value
            }
            return used
        }
    }

    private func keys(_ operation: String, _ query: PostgresQuery) async throws -> [(record: APIKeyRecord, secretHash: String)] {
        try await database.run(operation) { client in
            var keys: [(record: APIKeyRecord, secretHash: String)] = []
            for try await row in try await client.query(query) {
                let row = row.makeRandomAccess()
                let scopes = try row["scopes"].decode(String.self).split(separator: ",").compactMap { APIKeyScope(rawValue: String($0)) }
                let record = APIKeyRecord(
                    id: try row["id"].decode(String.self), name: try row["name"].decode(String.self), scopes: scopes,
                    createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
                    revokedAt: try row["revoked_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                    lastUsedAt: try row["last_used_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                    rateLimitPerMinute: try row["rate_per_minute"].decode(Int?.self),
                    quotaCharactersPerDay: try row["chars_per_day"].decode(Int?.self))
                keys.append((record, try row["secret_hash"].decode(String.self)))
            }
            return keys
        }
    }
}
