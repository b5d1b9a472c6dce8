import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// Lane slot limits, start order, the bounded queue, and cancelling queued, running and claiming jobs.
extension JobSchedulerTests {
    // MARK: Slots and order

    @Test func laneSlotLimitsAreNeverExceeded() async throws {
        let scripts = Dictionary(uniqueKeysWithValues: (0..<9).map { ("job \($0)", JobScript.holding) })
        try await SchedulerHarness.with(slots: ["cpu": 2, "asr": 1], scripts: scripts) { h in
            var jobs: [JobRecord] = []
            for index in 0..<9 {
                jobs.append(try await h.submit("job \(index)", lane: index < 6 ? "cpu" : "asr"))
            }
            try await h.executor.log.wait("two cpu jobs and one asr job running") {
                $0.runningByLane["cpu"] == 2 && $0.runningByLane["asr"] == 1
            }
            #expect(await h.scheduler.runningCount() == 3)
            #expect(try await h.sqlite.queuedCount() == 6)
            #expect(h.executor.log.value.starts.count == 3)

            for job in jobs { h.executor.release(job.id) }
            let events = try await h.finalEvents(of: jobs.map(\.id))
            #expect(events.values.allSatisfy { $0.last?.kind == .completed })
            let log = h.executor.log.value
            #expect(log.maxRunningByLane == ["cpu": 2, "asr": 1])
            #expect(log.starts.count == 9)
            for job in jobs {
                #expect(try await h.sqlite.job(job.id)?.status == .completed)
            }
        }
    }

    @Test func jobsStartByPriorityThenFirstInFirstOut() async throws {
        try await SchedulerHarness.with(scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let a = try await h.submit("a")
            let b = try await h.submit("b")
            let low = try await h.submit("low", priority: -1)
            let c = try await h.submit("c")
            let urgent = try await h.submit("urgent", priority: 5)
            let d = try await h.submit("d")
            #expect(try await h.sqlite.queuePosition(of: urgent.id) == 1)
            #expect(try await h.sqlite.queuePosition(of: low.id) == 6)

            h.executor.release(blocker.id)
            _ = try await h.finalEvents(of: [blocker, a, b, low, c, urgent, d].map(\.id))
            #expect(h.executor.log.value.starts == [blocker, urgent, a, b, c, d, low].map(\.id))
        }
    }

    // MARK: Bounded queue

    @Test func aFullQueueRefusesWithRetryAfter() async throws {
        try await SchedulerHarness.with(maxQueued: 2, scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let first = try await h.submit("first")
            let second = try await h.submit("second")

            let refused = JobSamples.job("refused")
            let error = await #expect(throws: QueueFullError.self) {
                try await h.scheduler.submit(refused)
            }
            #expect(error?.queued == 2)
            #expect((error?.retryAfterSeconds ?? 0) >= 1)
            #expect(error?.code == "queue.full")
            #expect(error?.message.contains("Try again in about") == true)
            #expect(try await h.sqlite.job(refused.id) == nil, "a refused job is not stored")
            #expect(try await h.sqlite.queuedCount() == 2)

            // A batch is refused whole when it does not fit.
            #expect(try await h.scheduler.cancel(second.id))
            let batch = [JobSamples.job("x"), JobSamples.job("y")]
            await #expect(throws: QueueFullError.self) { _ = try await h.scheduler.submit(batch) }
            #expect(try await h.sqlite.job(batch[0].id) == nil)
            #expect(try await h.sqlite.job(batch[1].id) == nil)

            let fits = try await h.submit("fits")
            h.executor.release(blocker.id)
            let events = try await h.finalEvents(of: [blocker.id, first.id, fits.id])
            #expect(events.values.allSatisfy { $0.last?.kind == .completed })
        }
    }

    @Test func concurrentSubmissionsNeverOverfillTheQueue() async throws {
        try await SchedulerHarness.with(maxQueued: 3, scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let scheduler = h.scheduler
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        do {
                            try await scheduler.submit(JobSamples.job("rush \(index)"))
                            return true
                        } catch {
                            #expect(error is QueueFullError)
                            return false
                        }
                    }
                }
                var accepted = 0
                for await ok in group where ok { accepted += 1 }
                return accepted
            }
            #expect(outcomes == 3)
            #expect(try await h.sqlite.queuedCount() == 3)
            h.executor.release(blocker.id)
        }
    }

    // MARK: Cancellation

    @Test func cancellingAQueuedJob() async throws {
        try await SchedulerHarness.with(scripts: ["blocker": .holding]) { h in
            let blocker = try await h.submit("blocker")
            try await h.executor.waitUntilStarted(blocker.id)
            let queued = try await h.submit("queued")
            let recorder = try await h.record(queued.id)

            #expect(try await h.scheduler.cancel(queued.id))
            let events = try await recorder.untilEnd()
            #expect(kinds(events) == [.queued, .cancelled])
            #expect(events.last?.problem == .cancelled)
            let stored = try #require(try await h.sqlite.job(queued.id))
            #expect(stored.status == .cancelled)
            #expect(stored.attempts == 0)
            #expect(try await h.scheduler.cancel(queued.id) == false, "already final")
            #expect(try await h.scheduler.cancel(JobID()) == false, "never existed")

            h.executor.release(blocker.id)
            let after = try await h.submit("after")
            _ = try await h.finalEvents(of: [blocker.id, after.id])
            #expect(h.executor.log.value.starts == [blocker.id, after.id], "the cancelled job never ran")
        }
    }

    @Test func cancellingARunningJob() async throws {
        try await SchedulerHarness.with(scripts: ["long": .holding]) { h in
            let job = try await h.submit("long")
            try await h.executor.waitUntilStarted(job.id)
            let recorder = try await h.record(job.id)

            #expect(try await h.scheduler.cancel(job.id))
            let events = try await recorder.untilEnd()
            #expect(kinds(events) == [.queued, .started, .cancelled])
            #expect(events.last?.problem == .cancelled)
            #expect(h.executor.log.value.sawCancellation == [job.id], "the executor saw its task cancelled")
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .cancelled)
            #expect(stored.problem == .cancelled)
            #expect(stored.attempts == 1, "a cancelled job is not retried")
            #expect(try await h.scheduler.cancel(job.id) == false)

            let next = try await h.submit("next")
            let after = try await h.finalEvents(of: [next.id])
            #expect(after[next.id]?.last?.kind == .completed, "the slot was given back")
        }
    }

    @Test func cancellingAJobWhileItIsBeingClaimed() async throws {
        try await SchedulerHarness.with(scripts: ["racing": .holding]) { h in
            h.store.arm(.claim)
            let job = JobSamples.job("racing")
            let scheduler = h.scheduler
            let submitting = Task { try await scheduler.submit(job) }
            try await h.store.waitForArrival(at: .claim)
            // The store says running, the scheduler has not started it yet.
            #expect(try await h.sqlite.job(job.id)?.status == .running)

            #expect(try await h.scheduler.cancel(job.id), "a job that is about to run can be cancelled")
            let recorder = try await h.record(job.id)
            h.store.open(.claim)
            _ = try await submitting.value
            let events = try await recorder.untilEnd()
            #expect(events.last?.kind == .cancelled)
            #expect(try await h.sqlite.job(job.id)?.status == .cancelled)
        }
    }
}
