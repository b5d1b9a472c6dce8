import GLMTTSService
import Logging
import ServiceLifecycle

/// Runs the queue as a service: the scheduler is started before the server accepts
/// requests (`buildApplication` does that) and stopped on graceful shutdown, after the
/// server: running jobs get `gracePeriod` to finish, later they are re-queued for the next
/// start; queued jobs stay.
struct JobQueueService: Service {
    let scheduler: JobScheduler
    let gracePeriod: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()  // returns at graceful shutdown, or throws when cancelled
        logger.notice("stopping: letting running jobs finish", metadata: ["grace_seconds": "\(gracePeriod.inSeconds)"])
        await scheduler.shutdown(gracePeriod: gracePeriod)
    }
}
