import Foundation

/// One node of a shared store as it last reported itself (`JobStore.announce`, with every
/// heartbeat): what it does, its slots per lane, how many jobs it ran then, and when.
public struct NodeStatus: Sendable, Equatable, Codable {
    /// The node's name (`GLMTTS_NODE_NAME`, the owner in its leases).
    public var name: String
    /// `all`, `api` or `worker` (`glmtts serve --role`).
    public var role: String
    /// Concurrent jobs per lane it runs (empty for an API node).
    public var slots: [String: Int]
    /// Jobs it was running at its last report.
    public var running: Int
    /// When it started.
    public var startedAt: Date
    /// Its last report.
    public var seenAt: Date

    public init(name: String, role: String, slots: [String: Int], running: Int, startedAt: Date, seenAt: Date) {
        self.name = name
        self.role = role
        self.slots = slots
        self.running = running
        self.startedAt = startedAt
        self.seenAt = seenAt
    }
}
