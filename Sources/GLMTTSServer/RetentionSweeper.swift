import Foundation
import GLMTTSCore

/// Deletes finished jobs (records, events, uploads and results) older than the retention
/// time, every few minutes (and once at start).
struct RetentionSweeper: Sendable {
    let context: ServiceContext

    /// Seconds between sweeps.
    var interval: Double { min(300, max(1, context.configuration.retentionSeconds / 4)) }

    /// Sweeps until cancelled.
    func run() async {
        while !Task.isCancelled {
            await sweep()
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    /// One sweep; returns how many jobs it deleted.
    @discardableResult
    func sweep(now: Date = Date()) async -> Int {
        let cutoff = now.addingTimeInterval(-context.configuration.retentionSeconds)
        var deleted = 0
        do {
            while true {
                let old = try await context.jobs.finishedJobs(before: cutoff, limit: 200)
                if old.isEmpty { break }
                for job in old {
                    try await context.jobs.delete(job.id)
                    context.files.removeFiles(of: job.id)
                    deleted += 1
                }
                if Task.isCancelled { break }
            }
        } catch {
            context.logger.warning("retention sweep failed", metadata: ["error": "\(error)"])
        }
        if deleted > 0 { context.logger.info("retention: deleted expired jobs", metadata: ["count": "\(deleted)"]) }
        return deleted
    }
}
