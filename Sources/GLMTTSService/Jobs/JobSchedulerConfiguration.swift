import GLMTTSEngine

/// How many jobs may run at once, per lane (device), and how many may wait.
public struct JobSchedulerConfiguration: Sendable, Equatable {
    /// Concurrent jobs per lane, e.g. `["cpu": 1, "asr": 1, "gpu": 1]`.
    public var slots: [JobLane: Int]
    /// Concurrent jobs in a lane not listed in `slots`.
    public var defaultSlots: Int
    /// Jobs that may wait in the queue over all lanes; more are refused with 429.
    public var maxQueued: Int

    public init(slots: [JobLane: Int] = [:], defaultSlots: Int = 1, maxQueued: Int = 100) {
        self.slots = slots
        self.defaultSlots = max(1, defaultSlots)
        self.maxQueued = max(1, maxQueued)
    }

    /// Slots of `lane`.
    public func slots(of lane: JobLane) -> Int { max(1, slots[lane] ?? defaultSlots) }
}
