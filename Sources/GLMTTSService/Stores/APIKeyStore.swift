import Foundation
import GLMTTSEngine

/// API keys and their daily character usage.
///
/// Two implementations: `SQLiteAPIKeyStore` (the data directory's database: one node) and
/// `PostgresAPIKeyStore` (`GLMTTS_STORE=postgres://…`: every node of a deployment sees the same
/// keys, revocations and quotas). Only a SHA-256 of each secret is stored; `authenticate` reads
/// the record on every call, so a revocation (also one made by `glmtts keys revoke` in another
/// process, or on another node) takes effect on the next request.
public protocol APIKeyStore: Sendable {
    /// Saves a new key (its secret only as `secretHash`).
    func insert(_ record: APIKeyRecord, secretHash: String) async throws

    /// Every key, newest first (revoked ones too).
    func all() async throws -> [APIKeyRecord]

    /// The key `id`, or nil.
    func key(id: String) async throws -> APIKeyRecord?

    /// The key `id` with its stored secret hash, or nil.
    func storedKey(id: String) async throws -> (record: APIKeyRecord, secretHash: String)?

    /// Revokes key `id` (idempotent: an already revoked key keeps its first date); nil when unknown.
    func revoke(id: String, at now: Date) async throws -> APIKeyRecord?

    /// Records that key `id` was used.
    func touch(id: String, at now: Date) async throws

    /// Adds `characters` to key `id`'s usage of `day` unless that would pass `limit` (0:
    /// no limit). Returns whether it was added and the day's usage afterwards (or as it
    /// stays, when refused). Check and addition are one transaction.
    func charge(id: String, day: String, characters: Int, limit: Int) async throws -> (allowed: Bool, used: Int)

    /// Gives back `characters` charged to key `id` on `day` for a request that was then
    /// refused (queue full, storage failure): only accepted work counts against a quota.
    func refund(id: String, day: String, characters: Int) async throws

    /// Characters key `id` used on `day`.
    func usage(id: String, day: String) async throws -> Int
}

extension APIKeyStore {
    /// Creates a key; the returned token is the only time its secret exists outside the client.
    public func create(
        name: String, scopes: [APIKeyScope], rateLimitPerMinute: Int? = nil,
        quotaCharactersPerDay: Int? = nil, at now: Date = Date()
    ) async throws -> (APIKeyRecord, APIKeyToken) {
        let token = APIKeyToken.generate()
        let record = APIKeyRecord(
            id: token.id, name: name, scopes: Array(Set(scopes)).sorted(), createdAt: now,
            rateLimitPerMinute: rateLimitPerMinute, quotaCharactersPerDay: quotaCharactersPerDay)
        try await insert(record, secretHash: token.secretHash)
        return (record, token)
    }

    /// The record of the key `text` when it is well-formed, known, unrevoked and its secret
    /// matches; nil otherwise (the caller cannot tell which, on purpose).
    public func authenticate(_ text: String) async throws -> APIKeyRecord? {
        guard let token = APIKeyToken(text), let (record, hash) = try await storedKey(id: token.id),
            token.matches(hash: hash), record.revokedAt == nil
        else { return nil }
        return record
    }

    /// `revoke(id:at:)` now.
    public func revoke(id: String) async throws -> APIKeyRecord? {
        try await revoke(id: id, at: Date())
    }

    /// `touch(id:at:)` now.
    public func touch(id: String) async throws {
        try await touch(id: id, at: Date())
    }
}
