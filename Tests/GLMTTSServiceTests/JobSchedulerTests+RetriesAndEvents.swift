import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// Failures and retries, recovery after a restart or shutdown, and the order and completeness of event streams.
extension JobSchedulerTests {
    // MARK: Failures and retries

    @Test func retryableFailuresAreRetriedThenComplete() async throws {
        try await SchedulerHarness.with(scripts: ["flaky": JobScript(retryableFailures: 2)]) { h in
            let job = try await h.submit("flaky", maxAttempts: 3)
            let events = try await h.record(job.id).untilEnd()
            #expect(kinds(events) == [.queued, .started, .retrying, .started, .retrying, .started, .completed])
            let retries = events.filter { $0.kind == .retrying }
            #expect(retries.allSatisfy { $0.problem == ScriptedExecutor.flaky })
            #expect(events.last?.result == ScriptedExecutor.result(for: "flaky"))
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .completed)
            #expect(stored.attempts == 3)
            #expect(stored.result == ScriptedExecutor.result(for: "flaky"))
            #expect(h.executor.log.value.startCount(of: job.id) == 3)
        }
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        try await SchedulerHarness.with(scripts: ["doomed": JobScript(retryableFailures: 10)]) { h in
            let job = try await h.submit("doomed", maxAttempts: 2)
            let events = try await h.record(job.id).untilEnd()
            #expect(kinds(events) == [.queued, .started, .retrying, .started, .failed])
            #expect(events.last?.problem?.code == "test.flaky")
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .failed)
            #expect(stored.attempts == 2)
            #expect(stored.problem?.code == "test.flaky")
        }
    }

    @Test func nonRetryableFailuresFailAtOnceWithTheirProblem() async throws {
        try await SchedulerHarness.with(scripts: ["bad": JobScript(failure: Self.permanent)]) { h in
            let job = try await h.submit("bad")
            let events = try await h.record(job.id).untilEnd()
            #expect(kinds(events) == [.queued, .started, .failed])
            #expect(events.last?.problem == Self.permanent)
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.status == .failed)
            #expect(stored.problem == Self.permanent)
            #expect(stored.attempts == 1)
            #expect(stored.result == nil)
        }
    }

    @Test func unexpectedErrorsFailWithoutLeakingTheirText() async throws {
        try await SchedulerHarness.with(scripts: [
            "odd": JobScript(failure: UnexpectedTestFailure()),
            "known": JobScript(failure: QueueFullError(queued: 1, retryAfterSeconds: 9)),
        ]) { h in
            let odd = try await h.submit("odd")
            let known = try await h.submit("known")
            let events = try await h.finalEvents(of: [odd.id, known.id])
            let oddProblem = try #require(events[odd.id]?.last?.problem)
            #expect(oddProblem.code == "internal")
            #expect(oddProblem.category == .internalFailure)
            #expect(!oddProblem.detail.contains("secret"))
            let knownProblem = try #require(events[known.id]?.last?.problem)
            #expect(knownProblem.code == "queue.full", "project errors keep their code")
            #expect(try await h.sqlite.job(odd.id)?.attempts == 1)
        }
    }

    @Test func aRetryDoesNotLetTheLaneOverflow() async throws {
        let scripts: [String: JobScript] = [
            "flaky": JobScript(holdFromAttempt: 2, retryableFailures: 1),
            "x": .holding, "y": .holding,
        ]
        try await SchedulerHarness.with(slots: ["cpu": 2], scripts: scripts) { h in
            h.store.arm(.requeue)
            let flaky = try await h.submit("flaky")
            try await h.store.waitForArrival(at: .requeue)
            // The failed attempt is back in the queue but its run has not wound up yet; new
            // submissions start its next attempt and another job in the two slots.
            let x = try await h.submit("x")
            try await h.executor.waitUntilStarted(flaky.id, attempts: 2)
            try await h.executor.waitUntilStarted(x.id)
            let y = try await h.submit("y")

            h.store.arm(.lanes)
            h.store.open(.requeue)
            try await h.store.waitForArrival(at: .lanes)  // the first attempt's run has wound up
            #expect(await h.scheduler.runningCount() == 2, "the second attempt is still counted")
            h.store.open(.lanes)

            h.executor.release(flaky.id, x.id, y.id)
            let events = try await h.finalEvents(of: [flaky.id, x.id, y.id])
            #expect(events.values.allSatisfy { $0.last?.kind == .completed })
            #expect(h.executor.log.value.maxRunningByLane["cpu"] == 2)
            #expect(
                kinds(events[flaky.id] ?? []) == [.queued, .started, .retrying, .started, .completed],
                "the failed attempt's retrying event comes before the next attempt starts")
        }
    }

    @Test func aCancelWhileAFailedAttemptWindsUpCancelsTheRetry() async throws {
        try await SchedulerHarness.with(scripts: ["flaky": JobScript(retryableFailures: 1)]) { h in
            h.store.arm(.requeue)
            let job = try await h.submit("flaky")
            let recorder = try await h.record(job.id)
            try await h.store.waitForArrival(at: .requeue)  // back in the queue, its run not yet wound up
            #expect(try await h.scheduler.cancel(job.id))
            h.store.open(.requeue)
            let events = try await recorder.untilEnd()
            #expect(kinds(events) == [.queued, .started, .retrying, .cancelled])
            #expect(try await h.sqlite.job(job.id)?.status == .cancelled)
            let next = try await h.submit("next")
            _ = try await h.finalEvents(of: [next.id])
            #expect(h.executor.log.value.startCount(of: job.id) == 1, "the cancelled job is not tried again")
        }
    }

    // MARK: Recovery

    @Test func startRecoversJobsLeftRunningByAPreviousProcess() async throws {
        let files = try JobTestDatabase()
        let resumable: JobRecord
        let exhausted: JobRecord
        let waiting: JobRecord
        do {
            // The "previous process": jobs claimed, events published, then the process died.
            let database = try files.open()
            let store = SQLiteJobStore(database: database)
            let hub = ProgressHub(store: store)
            resumable = try await store.insert(JobSamples.job("resumable", maxAttempts: 3))
            exhausted = try await store.insert(JobSamples.job("exhausted", lane: "gpu", maxAttempts: 1))
            waiting = try await store.insert(JobSamples.job("waiting"))
            for job in [resumable, exhausted, waiting] {
                await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1, stage: .queued))
            }
            for lane: JobLane in [.cpu, .gpu] {
                let claimed = try #require(try await store.claimNext(lane: lane, now: Date()))
                await hub.publish(JobEvent(jobID: claimed.id, kind: .started, stage: .preparingText, fraction: 0))
            }
            try await store.updateProgress(resumable.id, progress: 0.5, stage: .synthesizing)
            try database.close()
        }

        try await SchedulerHarness.with(files: files) { h in
            let events = try await h.finalEvents(of: [resumable.id, exhausted.id, waiting.id])

            let resumed = try #require(events[resumable.id])
            #expect(kinds(resumed) == [.queued, .started, .retrying, .started, .completed])
            #expect(resumed.first { $0.kind == .retrying }?.problem == JobScheduler.interrupted)
            #expect(resumed.map(\.sequence) == Array(1...resumed.count), "numbering continues after the restart")
            let resumedRecord = try #require(try await h.sqlite.job(resumable.id))
            #expect(resumedRecord.status == .completed)
            #expect(resumedRecord.attempts == 2)

            let failed = try #require(events[exhausted.id])
            #expect(kinds(failed) == [.queued, .started, .failed])
            let problem = try #require(failed.last?.problem)
            #expect(problem.code == JobScheduler.interrupted.code)
            #expect(problem.retryable == false)
            let failedRecord = try #require(try await h.sqlite.job(exhausted.id))
            #expect(failedRecord.status == .failed)
            #expect(failedRecord.problem?.code == "job.interrupted")
            #expect(h.executor.log.value.startCount(of: exhausted.id) == 0)

            #expect(events[waiting.id]?.last?.kind == .completed)
        }
    }

    @Test func shutdownRequeuesRunningJobsAndRefusesNewOnes() async throws {
        let files = try JobTestDatabase()
        let job: JobRecord
        do {
            let database = try files.open()
            let store = SQLiteJobStore(database: database)
            let executor = ScriptedExecutor(["long": .holding])
            let scheduler = JobScheduler(
                store: store, hub: ProgressHub(store: store), executor: executor,
                configuration: JobSchedulerConfiguration())
            try await scheduler.start()
            job = try await scheduler.submit(JobSamples.job("long", maxAttempts: 1))
            try await executor.waitUntilStarted(job.id)
            let done = JobTestProbe(false)
            Task {
                await scheduler.shutdown(gracePeriod: .zero)
                done.update { $0 = true }
            }
            try await done.wait("shutdown") { $0 }
            #expect(executor.log.value.sawCancellation == [job.id])
            let stored = try #require(try await store.job(job.id))
            #expect(stored.status == .queued, "an interrupted job waits for the next start")
            #expect(stored.problem == JobScheduler.interrupted)
            let error = await #expect(throws: JobProblem.self) {
                try await scheduler.submit(JobSamples.job("too late"))
            }
            #expect(error == JobScheduler.shuttingDown)
            try database.close()
        }
        try await SchedulerHarness.with(files: files) { h in
            let events = try await h.finalEvents(of: [job.id])
            #expect(events[job.id]?.last?.kind == .completed, "the next start runs it")
        }
    }

    // MARK: Events

    @Test func eventsArriveInOrderAndEndWithOneFinalEvent() async throws {
        try await SchedulerHarness.with(scripts: ["talk": JobScript(progress: [0.25, 0.5, 0.75])]) { h in
            let job = try await h.submit("talk")
            let events = try await h.record(job.id).untilEnd()
            #expect(events.map(\.sequence) == Array(1...events.count))
            #expect(events.first?.kind == .queued)
            #expect(events.first?.queuePosition == 1)
            #expect(kinds(events) == [.queued, .started, .progress, .progress, .progress, .completed])
            #expect(events.filter(\.kind.isFinal).count == 1)
            #expect(events.last?.kind.isFinal == true)
            #expect(events.filter { $0.kind == .progress }.map(\.fraction) == [0.25, 0.5, 0.75])
            #expect(events.filter { $0.kind == .progress }.map(\.sentence) == [1, 2, 3])
            #expect(events.allSatisfy { $0.jobID == job.id })
            #expect(try await h.sqlite.events(for: job.id) == events, "what subscribers saw is what was persisted")
            let stored = try #require(try await h.sqlite.job(job.id))
            #expect(stored.progress == 1)
        }
    }

    @Test func aLateSubscriberGetsTheWholeHistoryThenTheEnd() async throws {
        try await SchedulerHarness.with(scripts: ["done": JobScript(progress: [0.5])]) { h in
            let job = try await h.submit("done")
            let live = try await h.record(job.id).untilEnd()
            let late = try await h.record(job.id).untilEnd("a late subscription to end")
            #expect(late == live)
            // After a restart: a new hub reads the history back from the file.
            let fresh = ProgressHub(store: h.sqlite)
            let afterRestart = try await EventRecorder.subscribe(fresh, to: job.id).untilEnd("a subscription after restart")
            #expect(afterRestart == live)
            #expect(await h.hub.subscriberCount() == 0)
        }
    }

    @Test func aSubscriberArrivingWhileTheFinalEventIsSavedStillGetsTheEnd() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let database = try files.open()
        defer { try? database.close() }
        let sqlite = SQLiteJobStore(database: database)
        let store = GatedJobStore(base: sqlite)
        let hub = ProgressHub(store: store)
        let job = try await sqlite.insert(JobSamples.job())
        await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1))
        let early = try await EventRecorder.subscribe(hub, to: job.id)

        store.arm(.finalEvent)
        let publishing = Task { await hub.publish(JobEvent(jobID: job.id, kind: .completed, fraction: 1)) }
        try await store.waitForArrival(at: .finalEvent)
        let lateStream = Task { try await hub.subscribe(to: job.id, jobIsFinal: false) }
        store.open(.finalEvent)
        _ = await publishing.value
        let late = EventRecorder(try await lateStream.value)

        let earlyEvents = try await early.untilEnd("the early subscription to end")
        let lateEvents = try await late.untilEnd("the late subscription to end")
        #expect(earlyEvents.map(\.kind) == [.queued, .completed])
        #expect(lateEvents == earlyEvents)
        #expect(try await sqlite.events(for: job.id) == earlyEvents)
    }

    @Test func nothingIsPublishedAfterTheFinalEvent() async throws {
        try await JobTestDatabase.with { _, store in
            let hub = ProgressHub(store: store)
            let job = try await store.insert(JobSamples.job())
            await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1))
            await hub.publish(JobEvent(jobID: job.id, kind: .completed))
            await hub.publish(JobEvent(jobID: job.id, kind: .queued, queuePosition: 1))  // a stale position update
            await hub.publish(JobEvent(jobID: job.id, kind: .failed))
            #expect(try await store.events(for: job.id).map(\.kind) == [.queued, .completed])
            let late = try await EventRecorder.subscribe(hub, to: job.id).untilEnd("a late subscription to end")
            #expect(late.map(\.kind) == [.queued, .completed])
        }
    }
}
