import Foundation
import GLMTTSEngine
import GRDB

/// API keys and their daily character usage, in the service database (`ServiceDatabase`).
///
/// Only a SHA-256 of each secret is stored; `authenticate` reads the record on every call,
/// so a revocation (also one made by `glmtts keys revoke` in another process) takes effect
/// on the next request.
public final class APIKeyStore: Sendable {
    private let database: ServiceDatabase

    /// A store in `database`.
    public init(database: ServiceDatabase) {
        self.database = database
    }

    /// Creates a key; the returned token is the only time its secret exists outside the client.
    public func create(
        name: String, scopes: [APIKeyScope], rateLimitPerMinute: Int? = nil,
        quotaCharactersPerDay: Int? = nil, at now: Date = Date()
    ) async throws -> (APIKeyRecord, APIKeyToken) {
        let token = APIKeyToken.generate()
        let unique = Array(Set(scopes)).sorted()
        let record = APIKeyRecord(
            id: token.id, name: name, scopes: unique, createdAt: now,
            rateLimitPerMinute: rateLimitPerMinute, quotaCharactersPerDay: quotaCharactersPerDay)
        try await database.write("saving an API key") { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, name, scopes, secret_hash, created_at, rate_per_minute, chars_per_day)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, name, unique.map(\.rawValue).joined(separator: ","), token.secretHash,
                    now.timeIntervalSince1970, rateLimitPerMinute, quotaCharactersPerDay,
                ])
        }
        return (record, token)
    }

    /// Every key, newest first (revoked ones too).
    public func all() async throws -> [APIKeyRecord] {
        try await database.read("reading API keys") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at DESC, id").map(Self.record)
        }
    }

    /// The key `id`, or nil.
    public func key(id: String) async throws -> APIKeyRecord? {
        try await database.read("reading an API key") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    /// Revokes key `id` (idempotent: an already revoked key keeps its first date); nil when unknown.
    public func revoke(id: String, at now: Date = Date()) async throws -> APIKeyRecord? {
        try await database.write("revoking an API key") { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                arguments: [now.timeIntervalSince1970, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    /// The record of the key `text` when it is well-formed, known, unrevoked and its secret
    /// matches; nil otherwise (the caller cannot tell which, on purpose).
    public func authenticate(_ text: String) async throws -> APIKeyRecord? {
        guard let token = APIKeyToken(text) else { return nil }
        let found = try await database.read("checking an API key") { db -> (APIKeyRecord, String)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [token.id]) else { return nil }
            return (try Self.record(row), row["secret_hash"] as String)
        }
        guard let (record, hash) = found, token.matches(hash: hash), record.revokedAt == nil else { return nil }
        return record
    }

    /// Records that key `id` was used.
    public func touch(id: String, at now: Date = Date()) async throws {
        try await database.write("recording an API key's use") { db in
            try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
        }
    }

    /// Adds `characters` to key `id`'s usage of `day` unless that would pass `limit` (0:
    /// no limit). Returns whether it was added and the day's usage afterwards (or as it
    /// stays, when refused). Check and addition are one transaction.
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

    /// Gives back `characters` charged to key `id` on `day` for a request that was then
    /// refused (queue full, storage failure): only accepted work counts against a quota.
    public func refund(id: String, day: String, characters: Int) async throws {
        try await database.write("giving back quota") { db in
            try db.execute(
                sql: "UPDATE key_usage SET characters = MAX(0, characters - ?) WHERE key_id = ? AND day = ?",
                arguments: [characters, id, day])
        }
    }

    /// Characters key `id` used on `day`.
    public func usage(id: String, day: String) async throws -> Int {
        try await database.read("reading a quota") { db in
            try Int.fetchOne(db, sql: "SELECT characters FROM key_usage WHERE key_id = ? AND day = ?", arguments: [id, day]) ?? 0
        }
    }

    /// The UTC day of `date` as `yyyy-MM-dd` (the quota period).
    public static func day(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
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
