import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// Progress, finishing, requeueing, cancelling and deleting jobs, their events, and the queue views.
extension SQLiteJobStoreTests {
    // MARK: Progress, finishing, requeueing, cancelling

    @Test func updateProgressChangesOnlyRunningJobs() async throws {
        try await JobTestDatabase.with { _, store in
            let running = try await store.insert(JobSamples.job("running"))
            let queued = try await store.insert(JobSamples.job("queued"))
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)

            try await store.updateProgress(running.id, progress: 0.4, stage: .synthesizing)
            let read = try #require(try await store.job(running.id))
            #expect(read.progress == 0.4)
            #expect(read.stage == .synthesizing)

            try await store.updateProgress(queued.id, progress: 0.9, stage: .encoding)
            let untouched = try #require(try await store.job(queued.id))
            #expect(untouched.progress == 0)
            #expect(untouched.stage == nil)
        }
    }

    @Test func finishRecordsTheOutcomeOnce() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)
            try await store.updateProgress(job.id, progress: 0.3, stage: .synthesizing)
            let at = JobSamples.epoch.addingTimeInterval(5)
            try await store.finish(job.id, status: .failed, result: nil, problem: JobSamples.problem, at: at)
            let failed = try #require(try await store.job(job.id))
            #expect(failed.status == .failed)
            #expect(failed.problem == JobSamples.problem)
            #expect(failed.finishedAt == at)
            #expect(failed.progress == 0.3, "a failed job keeps the progress it reached")

            // A final job does not change any more.
            try await store.finish(
                job.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
                at: at.addingTimeInterval(1))
            #expect(try await store.job(job.id) == failed)
        }
    }

    @Test func finishRejectsANonFinalStatus() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            let error = await #expect(throws: StoreError.self) {
                try await store.finish(job.id, status: .running, result: nil, problem: nil, at: JobSamples.epoch)
            }
            #expect(error?.message.contains("not a final status") == true)
            #expect(try await store.job(job.id)?.status == .queued)
        }
    }

    @Test func requeueKeepsTheJobsPlace() async throws {
        try await JobTestDatabase.with { _, store in
            let first = try await store.insert(JobSamples.job("first"))
            let second = try await store.insert(JobSamples.job("second"))
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)
            try await store.updateProgress(first.id, progress: 0.6, stage: .synthesizing)
            let problem = JobProblem(code: "worker.crashed", title: "Crashed", category: .unavailable, detail: "d", retryable: true)
            try await store.requeue(first.id, problem: problem)

            let requeued = try #require(try await store.job(first.id))
            #expect(requeued.status == .queued)
            #expect(requeued.progress == 0)
            #expect(requeued.stage == nil)
            #expect(requeued.problem == problem)
            #expect(requeued.attempts == 1)
            #expect(requeued.sequence == first.sequence)
            #expect(try await store.queuePosition(of: first.id) == 1)
            #expect(try await store.queuePosition(of: second.id) == 2)

            let again = try #require(try await store.claimNext(lane: "cpu", now: JobSamples.epoch))
            #expect(again.id == first.id)
            #expect(again.attempts == 2)
        }
    }

    @Test func requeueIgnoresJobsThatAreNotRunning() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)
            try await store.finish(
                job.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
                at: JobSamples.epoch)
            try await store.requeue(job.id, problem: JobSamples.problem)
            #expect(try await store.job(job.id)?.status == .completed)
            #expect(try await store.queuedCount() == 0)
        }
    }

    @Test func cancelIfQueuedCancelsOnlyQueuedJobs() async throws {
        try await JobTestDatabase.with { _, store in
            let running = try await store.insert(JobSamples.job("running"))
            let queued = try await store.insert(JobSamples.job("queued"))
            let done = try await store.insert(JobSamples.job("done", lane: "gpu"))
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)
            _ = try await store.claimNext(lane: "gpu", now: JobSamples.epoch)
            try await store.finish(
                done.id, status: .completed, result: JobSamples.transcriptionResult, problem: nil,
                at: JobSamples.epoch)
            let at = JobSamples.epoch.addingTimeInterval(2)

            #expect(try await store.cancelIfQueued(queued.id, at: at))
            let cancelled = try #require(try await store.job(queued.id))
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.problem == .cancelled)
            #expect(cancelled.finishedAt == at)
            #expect(try await store.cancelIfQueued(queued.id, at: at) == false, "already cancelled")

            #expect(try await store.cancelIfQueued(running.id, at: at) == false)
            #expect(try await store.job(running.id)?.status == .running)
            #expect(try await store.cancelIfQueued(done.id, at: at) == false)
            #expect(try await store.job(done.id)?.status == .completed)
            #expect(try await store.cancelIfQueued(JobID(), at: at) == false)
        }
    }

    @Test func deleteRemovesTheJobAndItsEvents() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            let other = try await store.insert(JobSamples.job("other"))
            try await store.appendEvent(JobEvent(sequence: 1, jobID: job.id, kind: .queued))
            try await store.appendEvent(JobEvent(sequence: 1, jobID: other.id, kind: .queued))
            try await store.delete(job.id)
            #expect(try await store.job(job.id) == nil)
            #expect(try await store.events(for: job.id).isEmpty)
            #expect(try await store.events(for: other.id).count == 1)
            try await store.delete(JobID())  // unknown ids are fine
        }
    }

    // MARK: Events

    @Test func theStoreNumbersEventsPerJobInOrder() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            let other = try await store.insert(JobSamples.job("other"))
            let events = [
                JobEvent(sequence: 1, jobID: job.id, kind: .queued, elapsedSeconds: 0, queuePosition: 2, stage: .queued),
                JobEvent(
                    sequence: 2, jobID: job.id, kind: .started, elapsedSeconds: 0.5, stage: .preparingText,
                    fraction: 0, detail: "attempt 1 of 3"),
                JobEvent(
                    sequence: 3, jobID: job.id, kind: .progress, elapsedSeconds: 1.25, stage: .synthesizing,
                    fraction: 0.5, sentence: 2, sentenceCount: 4),
                JobEvent(sequence: 4, jobID: job.id, kind: .retrying, elapsedSeconds: 1.5, problem: JobSamples.problem),
                JobEvent(
                    sequence: 5, jobID: job.id, kind: .completed, elapsedSeconds: 2, stage: .done, fraction: 1,
                    result: JobSamples.synthesisResult),
            ]
            // The caller's numbers are ignored: each job counts from 1 on its own.
            for event in events {
                var unnumbered = event
                unnumbered.sequence = 99
                #expect(try await store.appendEvent(unnumbered) == event)
            }
            #expect(try await store.appendEvent(JobEvent(jobID: other.id, kind: .cancelled, problem: .cancelled))?.sequence == 1)

            #expect(try await store.events(for: job.id) == events)
            #expect(try await store.events(for: job.id, after: 3) == Array(events[3...]))
            #expect(try await store.events(for: job.id, after: 5).isEmpty)
            #expect(try await store.events(for: other.id).map(\.kind) == [.cancelled])
            #expect(try await store.events(for: JobID()).isEmpty)
        }
    }

    @Test func nothingIsStoredAfterTheFinalEventNorForUnknownJobs() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            try await store.appendEvent(JobEvent(jobID: job.id, kind: .queued))
            try await store.appendEvent(JobEvent(jobID: job.id, kind: .cancelled, problem: .cancelled))
            #expect(try await store.appendEvent(JobEvent(jobID: job.id, kind: .started)) == nil)
            await #expect(throws: StoreError.self) {
                try await store.appendEvent(JobEvent(jobID: JobID(), kind: .queued))
            }
            #expect(try await store.events(for: job.id).map(\.kind) == [.queued, .cancelled])
        }
    }

    // MARK: Queue views

    @Test func queuePositionCountsTheJobsAheadInTheSameLane() async throws {
        try await JobTestDatabase.with { _, store in
            let a = try await store.insert(JobSamples.job("a"))
            let gpu = try await store.insert(JobSamples.job("gpu", lane: "gpu"))
            let b = try await store.insert(JobSamples.job("b"))
            let urgent = try await store.insert(JobSamples.job("urgent", priority: 9))
            let c = try await store.insert(JobSamples.job("c"))

            #expect(try await store.queuePosition(of: urgent.id) == 1)
            #expect(try await store.queuePosition(of: a.id) == 2)
            #expect(try await store.queuePosition(of: b.id) == 3)
            #expect(try await store.queuePosition(of: c.id) == 4)
            #expect(try await store.queuePosition(of: gpu.id) == 1)
            #expect(try await store.queuePosition(of: JobID()) == nil)

            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)  // urgent
            #expect(try await store.queuePosition(of: urgent.id) == nil, "running jobs have no queue position")
            #expect(try await store.queuePosition(of: a.id) == 1)
            #expect(try await store.cancelIfQueued(b.id, at: JobSamples.epoch))
            #expect(try await store.queuePosition(of: b.id) == nil)
            #expect(try await store.queuePosition(of: c.id) == 2)
        }
    }

    @Test func queuedCountAndLanesFollowTheQueue() async throws {
        try await JobTestDatabase.with { _, store in
            #expect(try await store.queuedCount() == 0)
            #expect(try await store.lanesWithQueuedJobs().isEmpty)
            _ = try await store.insert([
                JobSamples.job("a", lane: "cpu"), JobSamples.job("b", lane: "gpu"),
                JobSamples.job("c", lane: "cpu"),
            ])
            #expect(try await store.queuedCount() == 3)
            #expect(try await store.lanesWithQueuedJobs() == ["cpu", "gpu"])
            _ = try await store.claimNext(lane: "gpu", now: JobSamples.epoch)
            #expect(try await store.queuedCount() == 2)
            #expect(try await store.lanesWithQueuedJobs() == ["cpu"])
        }
    }
}
