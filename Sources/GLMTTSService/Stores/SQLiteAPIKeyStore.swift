import Foundation
import GLMTTSEngine
import GRDB

/// `APIKeyStore` in the service database (`ServiceDatabase`): the keys of one node.
public final class SQLiteAPIKeyStore: APIKeyStore {
    private let database: ServiceDatabase

    /// A store in `database`.
    public init(database: ServiceDatabase) {
        self.database = database
    }

    public func insert(_ record: APIKeyRecord, secretHash: String) async throws {
        try await database.write("saving an API key") { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, name, scopes, secret_hash, created_at, rate_per_minute, chars_per_day)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, record.name, record.scopes.map(\.rawValue).joined(separator: ","), secretHash,
                    record.createdAt.timeIntervalSince1970, record.rateLimitPerMinute, record.quotaCharactersPerDay,
                ])
        }
    }

    public func all() async throws -> [APIKeyRecord] {
        try await database.read("reading API keys") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at DESC, id").map(Self.record)
        }
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        try await database.read("reading an API key") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    public func revoke(id: String, at now: Date) async throws -> APIKeyRecord? {
        try await database.write("revoking an API key") { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                arguments: [now.timeIntervalSince1970, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    public func storedKey(id: String) async throws -> (record: APIKeyRecord, secretHash: String)? {
        try await database.read("checking an API key") { db -> (record: APIKeyRecord, secretHash: String)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]) else { return nil }
            return (try Self.record(row), row["secret_hash"] as String)
        }
    }

    public func touch(id: String, at now: Date) async throws {
        try await database.write("recording an API key's use") { db in
            try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
        }
    }

    public func charge(id: String, day: String, characters: Int, limit: Int) async throws -> (allowed: Bool, used: Int) {
        try await database.write("counting characters against a quota") { db in
            let used =
                try Int.fetchOne(
                    db, sql: "SELECT characters FROM key_usage WHERE key_id = ? AND day = ?",
                    arguments: [id, day]) ?? 0
            if limit > 0 && used + characters > limit { return (false, used) }
            try db.execute(
                sql: """
                    INSERT INTO key_usage (key_id, day, characters) VALUES (?, ?, ?)
                    ON CONFLICT (key_id, day) DO UPDATE SET characters = characters + excluded.characters
                    """, arguments: [id, day, characters])
            try db.execute(sql: "DELETE FROM key_usage WHERE key_id = ? AND day < ?", arguments: [id, day])
            return (true, used + characters)
        }
    }

    public func refund(id: String, day: String, characters: Int) async throws {
        try await database.write("giving back quota") { db in
            try db.execute(
                sql: "UPDATE key_usage SET characters = MAX(0, characters - ?) WHERE key_id = ? AND day = ?",
                arguments: [characters, id, day])
        }
    }

    public func usage(id: String, day: String) async throws -> Int {
        try await database.read("reading a quota") { db in
            try Int.fetchOne(db, sql: "SELECT characters FROM key_usage WHERE key_id = ? AND day = ?", arguments: [id, day]) ?? 0
        }
    }

    private static func record(_ row: Row) throws -> APIKeyRecord {
        let scopes = (row["scopes"] as String).split(separator: ",").compactMap { APIKeyScope(rawValue: String($0)) }
        return APIKeyRecord(
            id: row["id"], name: row["name"], scopes: scopes,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            rateLimitPerMinute: row["rate_per_minute"], quotaCharactersPerDay: row["chars_per_day"])
    }
}
