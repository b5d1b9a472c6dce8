/// What becomes of a run that ended with an error, as `JobSchedulerState` decides it.
enum JobFailureOutcome: Equatable {
    /// A client cancelled it: the job ends cancelled.
    case cancel
    /// Put it back in the queue, announcing this problem.
    case retry(JobProblem)
    /// The job ends failed with this problem.
    case fail(JobProblem)
}
