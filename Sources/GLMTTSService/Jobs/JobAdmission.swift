/// Whether a submission fits in the queue, as `JobSchedulerState` decides it.
enum JobAdmission: Equatable {
    /// Insert the jobs.
    case accept
    /// Refuse them all (`QueueFullError`), suggesting a retry after this many seconds.
    case queueFull(retryAfterSeconds: Int)
}
