package import GLMTTSEngine
package import GLMTTSService

/// Who is making a request: an API key, or anyone (open mode).
package struct Principal: Sendable, Equatable {
    /// The key's public id; nil in open mode.
    package var keyID: String?
    /// The broadest scope held (open mode: everything).
    package var scope: APIKeyScope
    /// The key's own rate limit, if it has one.
    package var rateLimitPerMinute: Int?
    /// The key's own daily character quota, if it has one.
    package var quotaCharactersPerDay: Int?

    /// Anyone, in open mode: may do everything, sees everything, owns nothing.
    package static let open = Principal(keyID: nil, scope: .admin)

    /// A key's principal.
    package init(key: APIKeyRecord) {
        self.init(
            keyID: key.id, scope: key.highestScope, rateLimitPerMinute: key.rateLimitPerMinute,
            quotaCharactersPerDay: key.quotaCharactersPerDay)
    }

    package init(keyID: String?, scope: APIKeyScope, rateLimitPerMinute: Int? = nil, quotaCharactersPerDay: Int? = nil) {
        self.keyID = keyID
        self.scope = scope
        self.rateLimitPerMinute = rateLimitPerMinute
        self.quotaCharactersPerDay = quotaCharactersPerDay
    }

    /// The owner recorded on jobs and voices this principal creates.
    package var owner: String? { keyID }

    /// Whether this principal may see a job or voice owned by `owner`: admins and open mode
    /// see everything, a key sees only its own.
    package func canSee(owner: String?) -> Bool {
        keyID == nil || scope == .admin || owner == keyID
    }
}
