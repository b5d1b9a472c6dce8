import Foundation
import GLMTTSService
import Synchronization

/// Holds every job it is given until `open()`, then hands them and all later ones to `wrapped`
/// (how `QueueBenchmark` keeps the slots busy while it measures submissions alone).
final class HeldJobExecutor: JobExecutor, Sendable {
    private let wrapped: any JobExecutor
    private let isOpen = Mutex(false)

    init(wrapped: any JobExecutor) { self.wrapped = wrapped }

    /// Lets held and later jobs through.
    func open() { isOpen.withLock { $0 = true } }

    func execute(_ job: JobRecord, reporter: JobReporter) async throws -> JobResult {
        let result = try await wrapped.execute(job, reporter: reporter)
        while !isOpen.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        return result
    }
}
