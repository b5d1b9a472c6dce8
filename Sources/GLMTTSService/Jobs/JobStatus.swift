import GLMTTSEngine

/// Where a job is in its life: queued → running → completed | failed | cancelled.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    /// Persisted and waiting for a slot.
    case queued
    /// Claimed by the scheduler and running.
    case running
    /// Finished with a result.
    case completed
    /// Finished without a result; the job's problem says why.
    case failed
    /// Stopped at the client's request.
    case cancelled

    /// Whether the job will not change any more.
    public var isFinal: Bool {
        switch self {
        case .queued, .running: return false
        case .completed, .failed, .cancelled: return true
        }
    }
}
