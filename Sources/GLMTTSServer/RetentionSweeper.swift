import Foundation
import GLMTTSEngine

/// Deletes finished jobs (records, events, uploads and results) older than the retention
/// time, every few minutes (and once at start), and files that no job owns (left by a
/// crash between writing an upload and storing its job, or by a deleted job).
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
        await sweepOrphanFiles(now: now)
        return deleted
    }

    /// Files untouched for this long may be orphans (a request writes its upload moments
    /// before storing the job; this leaves a wide margin).
    static let orphanAge: Double = 600

    /// Deletes the files of jobs that are not in the store; returns how many jobs' files.
    @discardableResult
    func sweepOrphanFiles(now: Date = Date()) async -> Int {
        var removed = 0
        for id in context.files.jobsWithFiles(olderThan: now.addingTimeInterval(-Self.orphanAge)) {
            do {
                guard try await context.jobs.job(id) == nil else { continue }
            } catch {
                context.logger.warning("orphan sweep failed", metadata: ["error": "\(error)"])
                return removed
            }
            context.files.removeFiles(of: id)
            removed += 1
        }
        if removed > 0 { context.logger.info("retention: deleted files no job owns", metadata: ["jobs": "\(removed)"]) }
        return removed
    }
}
