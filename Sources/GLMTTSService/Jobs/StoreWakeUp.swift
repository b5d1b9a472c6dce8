/// Something a shared store says changed, so a node can act now instead of at its next poll
/// (`JobStore.wakeUps`). Wake-ups are hints: the store stays the truth, and a node that
/// misses some (its listening connection dropped) catches up by reading the store.
public enum StoreWakeUp: Sendable, Equatable {
    /// The store's notifications reach this node from now on; anything changed before may
    /// have been missed, so look at the store once.
    case listening
    /// Notifications do not reach this node (its connection dropped): poll until `listening`.
    case notListening
    /// A job became claimable in `lane` (queued, or queued again).
    case queued(JobLane)
    /// A job has a new event.
    case event(JobID)
    /// A client asked to cancel a running job (on whichever node it runs).
    case cancelRequested(JobID)
}
