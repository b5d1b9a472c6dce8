/// The next step of cancelling a job, as `JobSchedulerState` decides it; `JobScheduler`
/// carries it out and reports back until the answer is known.
enum JobCancelStep<Handle> {
    /// The job runs here: cancel this run's task. The cancel took.
    case cancelRun(Handle)
    /// The job does not run here: ask the store to cancel it if it is still queued.
    case cancelIfQueued
    /// Neither queued nor running here: ask the store whether it is claimed (a scan took it
    /// and has not started it yet), then report with `claimLookedUp`.
    case lookUpClaim
    /// Nothing left to do: whether the cancel took.
    case answer(Bool)
}

extension JobCancelStep: Equatable where Handle: Equatable {}
