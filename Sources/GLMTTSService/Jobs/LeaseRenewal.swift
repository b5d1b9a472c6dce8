import GLMTTSEngine

/// What a heartbeat learned about the leases it renewed (`JobStore.renewLeases`).
public struct LeaseRenewal: Sendable, Equatable {
    /// Runs a client asked to cancel, possibly through another node.
    public var cancelRequested: Set<JobID>
    /// Runs whose lease is gone: rescued after it expired, or the job ended elsewhere. They
    /// are stopped; nothing they write any more is kept.
    public var lost: Set<JobID>

    public init(cancelRequested: Set<JobID> = [], lost: Set<JobID> = []) {
        self.cancelRequested = cancelRequested
        self.lost = lost
    }
}
