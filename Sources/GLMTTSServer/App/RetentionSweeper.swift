import Foundation
import GLMTTSService
import Logging
import ServiceLifecycle

/// Deletes finished jobs (records, events, uploads and results) older than the retention
/// time, every few minutes (and once at start), and blobs that no job owns (left by a crash
/// between writing an upload and storing its job, or by a deleted job). Runs until
/// graceful shutdown.
struct RetentionSweeper: Service {
    let jobs: any JobStore
    let blobs: any BlobStore
    let retentionSeconds: Double
    let logger: Logger

    /// Seconds between sweeps.
    var interval: Double { min(300, max(1, retentionSeconds / 4)) }

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await sweep()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
        }
    }

    /// One sweep; returns how many jobs it deleted.
    @discardableResult
    func sweep(now: Date = Date()) async -> Int {
        let cutoff = now.addingTimeInterval(-retentionSeconds)
        var deleted = 0
        do {
            while true {
                let old = try await jobs.finishedJobs(before: cutoff, limit: 200)
                if old.isEmpty { break }
                for job in old {
                    try await jobs.delete(job.id)
                    await blobs.removeBlobs(of: job.id)
                    deleted += 1
                }
                if Task.isCancelled { break }
            }
        } catch {
            logger.warning("retention sweep failed", metadata: ["error": "\(error)"])
        }
        if deleted > 0 { logger.info("retention: deleted expired jobs", metadata: ["count": "\(deleted)"]) }
        await sweepOrphanFiles(now: now)
        return deleted
    }

    /// Blobs untouched for this long may be orphans (a request writes its upload moments
    /// before storing the job; this leaves a wide margin).
    static let orphanAge: Double = 600

    /// Deletes the blobs of jobs that are not in the store; returns how many jobs' blobs.
    @discardableResult
    func sweepOrphanFiles(now: Date = Date()) async -> Int {
        var removed = 0
        for id in await blobs.jobsWithBlobs(olderThan: now.addingTimeInterval(-Self.orphanAge)) {
            do {
                guard try await jobs.job(id) == nil else { continue }
            } catch {
                logger.warning("orphan sweep failed", metadata: ["error": "\(error)"])
                return removed
            }
            await blobs.removeBlobs(of: id)
            removed += 1
        }
        if removed > 0 { logger.info("retention: deleted files no job owns", metadata: ["jobs": "\(removed)"]) }
        return removed
    }
}
