/// Whether requests need an API key.
package enum AccessMode: String, Sendable, Equatable, CaseIterable {
    /// Keys are required unless the server is bound to loopback only.
    case auto
    /// No key needed; only allowed on a loopback address (and said loudly in the log).
    case open
    /// Every operation except health, readiness and the contract needs a valid key.
    case keys
}
