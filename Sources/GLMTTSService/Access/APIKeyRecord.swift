import Foundation
import GLMTTSEngine

/// A stored API key: its public id, name, scopes and limits. The secret is never stored,
/// only its SHA-256.
public struct APIKeyRecord: Sendable, Equatable {
    /// Public id (12 lowercase hex digits); appears in logs and owns jobs and voices.
    public var id: String
    /// A human name ("ci", "alice's laptop").
    public var name: String
    /// What the key may do.
    public var scopes: [APIKeyScope]
    /// When it was made.
    public var createdAt: Date
    /// When it was revoked; a revoked key is refused.
    public var revokedAt: Date?
    /// When it was last seen (updated at most once a minute).
    public var lastUsedAt: Date?
    /// Requests per minute; nil: the server's setting; 0: unlimited.
    public var rateLimitPerMinute: Int?
    /// Characters synthesised per UTC day; nil: the server's setting; 0: unlimited.
    public var quotaCharactersPerDay: Int?

    /// A key record.
    public init(
        id: String, name: String, scopes: [APIKeyScope], createdAt: Date = Date(), revokedAt: Date? = nil,
        lastUsedAt: Date? = nil, rateLimitPerMinute: Int? = nil, quotaCharactersPerDay: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
        self.rateLimitPerMinute = rateLimitPerMinute
        self.quotaCharactersPerDay = quotaCharactersPerDay
    }

    /// The broadest scope held.
    public var highestScope: APIKeyScope { scopes.max() ?? .read }

    /// Whether the key may do work that needs `scope`.
    public func allows(_ scope: APIKeyScope) -> Bool { highestScope.allows(scope) }
}
