import GLMTTSEngine

/// How many jobs may run at once, per lane (device), how many may wait, whether this node
/// runs jobs at all, and — on a store shared by several nodes — how often it looks for work
/// and renews its leases.
public struct JobSchedulerConfiguration: Sendable, Equatable {
    /// Concurrent jobs per lane, e.g. `["cpu": 1, "asr": 1, "gpu": 1]`.
    public var slots: [JobLane: Int]
    /// Concurrent jobs in a lane not listed in `slots`.
    public var defaultSlots: Int
    /// Jobs that may wait in the queue over all lanes; more are refused with 429.
    public var maxQueued: Int
    /// Whether this node claims and runs jobs (false: an API node, which only queues them).
    public var runsJobs: Bool
    /// What this node is (`all`, `api`, `worker`), as its reports to a shared store say.
    public var role: String
    /// How often a node of a shared store looks for jobs queued by other nodes, and for the
    /// events they stored, while the store's notifications do not reach it.
    public var pollInterval: Duration
    /// How often it looks while notifications arrive (a safety net: they wake it sooner).
    public var listeningPollInterval: Duration
    /// How often a node of a shared store renews its leases and rescues expired ones; well
    /// under the store's lease time (a third of it by default).
    public var heartbeatInterval: Duration

    public init(
        slots: [JobLane: Int] = [:], defaultSlots: Int = 1, maxQueued: Int = 100, runsJobs: Bool = true, role: String = "all",
        pollInterval: Duration = .milliseconds(200), listeningPollInterval: Duration = .seconds(2),
        heartbeatInterval: Duration = .seconds(5)
    ) {
        self.slots = slots
        self.defaultSlots = max(1, defaultSlots)
        self.maxQueued = max(1, maxQueued)
        self.runsJobs = runsJobs
        self.role = role
        self.pollInterval = max(.milliseconds(10), pollInterval)
        self.listeningPollInterval = max(self.pollInterval, listeningPollInterval)
        self.heartbeatInterval = max(.milliseconds(100), heartbeatInterval)
    }

    /// Slots of `lane`.
    public func slots(of lane: JobLane) -> Int { max(1, slots[lane] ?? defaultSlots) }
}
