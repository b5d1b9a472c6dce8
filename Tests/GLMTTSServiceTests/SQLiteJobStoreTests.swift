import Foundation
import Testing
@testable import GLMTTSEngine
@testable import GLMTTSService

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Helpers shared by the job and voice store tests

/// A real SQLite service database in a fresh temporary folder, removed by `remove()`.
struct JobTestDatabase: Sendable {
    /// The folder holding the database file.
    let folder: URL

    /// The database file.
    var path: URL { folder.appendingPathComponent("service.sqlite") }

    init() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("glmtts-jobs-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Opens (or reopens) the database file.
    func open() throws -> ServiceDatabase { try ServiceDatabase(path: path) }

    /// Deletes the folder and everything in it.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `body` with an open database and a job store over it, then closes and deletes it.
    static func with<T>(_ body: (ServiceDatabase, SQLiteJobStore) async throws -> T) async throws -> T {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let database = try files.open()
        defer { try? database.close() }
        return try await body(database, SQLiteJobStore(database: database))
    }
}

/// Sample payloads and results with every field set, so a round trip proves each one is stored.
enum JobSamples {
    /// A date that survives the store's seconds-since-1970 `REAL` columns exactly.
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000.5)

    static let fullSynthesisSpec = SynthesisJobSpec(
        text: try! SpeechText("Hello there. 你好！"), model: "piper-en_US-joe-medium", savedVoiceID: String(repeating: "ab", count: 16),
        hasUploadedReference: true, referenceText: "The reference text.",
        parameters: try! SynthesisParameters(temperature: 0.55, topP: 0.7, topK: 12, samplingStrategy: .quality,
                                        seed: 42, speed: 1.25),
        format: .opus, skipTranscription: true, requireClone: true)

    static let fullTranscriptionSpec = TranscriptionJobSpec(model: "whisper-tiny.en", language: "en", requireReliable: true)

    static let synthesisResult = JobResult.synthesis(SynthesisJobResult(
        durationSeconds: 2.5, synthesisSeconds: 0.25, realTimeFactor: 0.1, format: .mp3, sampleRate: 22_050,
        bytes: 40_000, model: "piper-en_US-joe-medium", cloned: false,
        parameterReport: ParameterReport(applied: [.speed: "length_scale = 0.8"],
                                         ignored: [.temperature: "VITS has no sampling temperature"]),
        referenceReport: ReferenceQualityReport(
            durationSeconds: 6, preparedSeconds: 5, speechSeconds: 4.5, windowSpeechSeconds: 4, speechRatio: 0.75,
            peakDBFS: -1.5, clippedFraction: 0.001, rmsDBFS: -20, snrDB: 30, sampleRate: 16_000,
            detector: .sileroVAD, window: SpeechSegment(start: 0.5, end: 5.5),
            warnings: [ReferenceWarning(code: .noisy, message: "a little noisy")]),
        referenceText: "The reference text.", referenceTextTranscribed: true, notes: ["not cloned"]))

    static let transcriptionResult = JobResult.transcription(TranscriptionJobResult(
        transcript: Transcript(text: "hello world", language: "en", languageProbability: 0.98, duration: 1.5,
                               segments: [TranscriptSegment(start: 0, end: 1.5, text: "hello world",
                                                            averageLogProbability: -0.2)]),
        model: "whisper-tiny.en", reliable: false, warnings: ["short"], recognitionSeconds: 0.4))

    static let problem = JobProblem(code: "test.problem", title: "Test problem", category: .invalidInput,
                                    detail: "Something about the input.", retryable: false)

    /// A synthesis job speaking `text`.
    static func job(_ text: String = "Hello.", lane: JobLane = .cpu, priority: Int = 0, maxAttempts: Int = 3,
                    createdAt: Date = epoch, batchID: String? = nil, batchIndex: Int? = nil) -> JobRecord {
        JobRecord(payload: .synthesis(SynthesisJobSpec(text: try! SpeechText(text))), lane: lane, priority: priority,
                  maxAttempts: maxAttempts, createdAt: createdAt, batchID: batchID, batchIndex: batchIndex)
    }

    /// The text of a synthesis job (how the tests name their jobs).
    static func text(of job: JobRecord) -> String {
        if case let .synthesis(spec) = job.payload { return spec.text.value }
        return "(transcription)"
    }
}

// MARK: - Tests

@Suite struct SQLiteJobStoreTests {
    // MARK: Insert and read

    @Test func insertAndReadBackEverySynthesisField() async throws {
        try await JobTestDatabase.with { _, store in
            let job = JobRecord(payload: .synthesis(JobSamples.fullSynthesisSpec), lane: "gpu", priority: 7,
                                maxAttempts: 5, createdAt: JobSamples.epoch, batchID: "batch-1", batchIndex: 3,
                                owner: "key-1")
            let stored = try await store.insert(job)
            #expect(stored.sequence > 0)
            #expect(stored.status == .queued)
            var expected = job
            expected.sequence = stored.sequence
            #expect(stored == expected)
            let read = try #require(try await store.job(job.id))
            #expect(read == expected)
            #expect(read.kind == .synthesis)
        }
    }

    @Test func insertAndReadBackATranscriptionJob() async throws {
        try await JobTestDatabase.with { _, store in
            let job = JobRecord(payload: .transcription(JobSamples.fullTranscriptionSpec), lane: "asr",
                                createdAt: JobSamples.epoch)
            let stored = try await store.insert(job)
            let read = try #require(try await store.job(job.id))
            #expect(read == stored)
            #expect(read.kind == .transcription)
            #expect(read.payload == .transcription(JobSamples.fullTranscriptionSpec))
            #expect(read.owner == nil && read.batchID == nil && read.batchIndex == nil)
        }
    }

    @Test(arguments: [JobSamples.synthesisResult, JobSamples.transcriptionResult])
    func resultsRoundTrip(result: JobResult) async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            _ = try #require(try await store.claimNext(lane: "cpu", now: JobSamples.epoch))
            let finished = JobSamples.epoch.addingTimeInterval(3)
            try await store.finish(job.id, status: .completed, result: result, problem: nil, at: finished)
            let read = try #require(try await store.job(job.id))
            #expect(read.status == .completed)
            #expect(read.result == result)
            #expect(read.problem == nil)
            #expect(read.finishedAt == finished)
            #expect(read.progress == 1)
        }
    }

    @Test func currentDatesSurviveToTheMillisecond() async throws {
        try await JobTestDatabase.with { _, store in
            let now = Date()
            let job = try await store.insert(JobSamples.job(createdAt: now))
            let read = try #require(try await store.job(job.id))
            #expect(abs(read.createdAt.timeIntervalSince(now)) < 0.001)
        }
    }

    @Test func unknownJobIsNil() async throws {
        try await JobTestDatabase.with { _, store in
            _ = try await store.insert(JobSamples.job())
            #expect(try await store.job(JobID()) == nil)
        }
    }

    @Test func sequencesFollowArrivalAcrossSingleAndBatchInserts() async throws {
        try await JobTestDatabase.with { _, store in
            let first = try await store.insert(JobSamples.job("one"))
            let batch = try await store.insert([JobSamples.job("two"), JobSamples.job("three")])
            let last = try await store.insert(JobSamples.job("four"))
            let sequences = [first.sequence] + batch.map(\.sequence) + [last.sequence]
            #expect(sequences == sequences.sorted())
            #expect(Set(sequences).count == 4)
            #expect(try await store.insert([JobRecord]()).isEmpty)
        }
    }

    @Test func aBatchIsStoredAllOrNone() async throws {
        try await JobTestDatabase.with { _, store in
            let existing = try await store.insert(JobSamples.job("existing"))
            let fresh = JobSamples.job("fresh")
            var duplicate = JobSamples.job("duplicate")
            duplicate.id = existing.id
            await #expect(throws: StoreError.self) {
                _ = try await store.insert([fresh, duplicate])
            }
            #expect(try await store.job(fresh.id) == nil, "the first job of a failed batch must not be stored")
            #expect(try await store.queuedCount() == 1)
            #expect(try await store.job(existing.id).map(JobSamples.text(of:)) == "existing")
        }
    }

    // MARK: Claiming

    @Test func claimNextIsFirstInFirstOutPerLane() async throws {
        try await JobTestDatabase.with { _, store in
            let a1 = try await store.insert(JobSamples.job("a1", lane: "cpu"))
            let b1 = try await store.insert(JobSamples.job("b1", lane: "gpu"))
            let a2 = try await store.insert(JobSamples.job("a2", lane: "cpu"))
            let a3 = try await store.insert(JobSamples.job("a3", lane: "cpu"))
            let now = JobSamples.epoch.addingTimeInterval(10)

            let first = try #require(try await store.claimNext(lane: "cpu", now: now))
            #expect(first.id == a1.id)
            #expect(first.status == .running)
            #expect(first.attempts == 1)
            #expect(first.startedAt == now)
            #expect(try await store.job(a1.id) == first, "the claim is persisted as returned")

            #expect(try await store.claimNext(lane: "cpu", now: now)?.id == a2.id)
            #expect(try await store.claimNext(lane: "cpu", now: now)?.id == a3.id)
            #expect(try await store.claimNext(lane: "cpu", now: now) == nil)
            #expect(try await store.claimNext(lane: "gpu", now: now)?.id == b1.id)
            #expect(try await store.claimNext(lane: "gpu", now: now) == nil)
            #expect(try await store.claimNext(lane: "nowhere", now: now) == nil)
        }
    }

    @Test func claimNextTakesHigherPriorityFirst() async throws {
        try await JobTestDatabase.with { _, store in
            let low = try await store.insert(JobSamples.job("low", priority: 0))
            let negative = try await store.insert(JobSamples.job("negative", priority: -3))
            let high = try await store.insert(JobSamples.job("high", priority: 5))
            let middle = try await store.insert(JobSamples.job("middle", priority: 1))
            let high2 = try await store.insert(JobSamples.job("high2", priority: 5))
            var order: [JobID] = []
            while let job = try await store.claimNext(lane: "cpu", now: JobSamples.epoch) { order.append(job.id) }
            #expect(order == [high.id, high2.id, middle.id, low.id, negative.id])
        }
    }

    @Test func concurrentClaimsNeverHandOutAJobTwice() async throws {
        try await JobTestDatabase.with { _, store in
            let lanes: [JobLane] = [.cpu, .gpu]
            let jobs = (0..<150).map { JobSamples.job("job \($0)", lane: lanes[$0 % 2]) }
            _ = try await store.insert(jobs)
            let claimed = try await withThrowingTaskGroup(of: [JobRecord].self) { group in
                for worker in 0..<12 {
                    group.addTask {
                        var mine: [JobRecord] = []
                        while let job = try await store.claimNext(lane: lanes[worker % 2], now: JobSamples.epoch) {
                            mine.append(job)
                        }
                        return mine
                    }
                }
                var all: [JobRecord] = []
                for try await part in group { all += part }
                return all
            }
            #expect(claimed.count == jobs.count)
            #expect(Set(claimed.map(\.id)) == Set(jobs.map(\.id)))
            #expect(claimed.allSatisfy { $0.attempts == 1 && $0.status == .running })
            #expect(try await store.queuedCount() == 0)
            for job in claimed.prefix(10) {
                #expect(try await store.job(job.id)?.attempts == 1)
            }
        }
    }

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
            try await store.finish(job.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
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
            try await store.finish(job.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
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
            try await store.finish(done.id, status: .completed, result: JobSamples.transcriptionResult, problem: nil,
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
            try await store.delete(JobID()) // unknown ids are fine
        }
    }

    // MARK: Events

    @Test func eventsComeBackInSequenceOrder() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            let other = try await store.insert(JobSamples.job("other"))
            let events = [
                JobEvent(sequence: 1, jobID: job.id, kind: .queued, elapsedSeconds: 0, queuePosition: 2, stage: .queued),
                JobEvent(sequence: 2, jobID: job.id, kind: .started, elapsedSeconds: 0.5, stage: .preparingText,
                         fraction: 0, detail: "attempt 1 of 3"),
                JobEvent(sequence: 3, jobID: job.id, kind: .progress, elapsedSeconds: 1.25, stage: .synthesizing,
                         fraction: 0.5, sentence: 2, sentenceCount: 4),
                JobEvent(sequence: 4, jobID: job.id, kind: .retrying, elapsedSeconds: 1.5, problem: JobSamples.problem),
                JobEvent(sequence: 5, jobID: job.id, kind: .completed, elapsedSeconds: 2, stage: .done, fraction: 1,
                         result: JobSamples.synthesisResult),
            ]
            // Appended out of order: reading sorts by sequence.
            for index in [2, 0, 4, 1, 3] { try await store.appendEvent(events[index]) }
            try await store.appendEvent(JobEvent(sequence: 1, jobID: other.id, kind: .cancelled, problem: .cancelled))

            #expect(try await store.events(for: job.id) == events)
            #expect(try await store.events(for: other.id).map(\.kind) == [.cancelled])
            #expect(try await store.events(for: JobID()).isEmpty)
        }
    }

    @Test func eventsRejectTakenSequenceNumbersAndUnknownJobs() async throws {
        try await JobTestDatabase.with { _, store in
            let job = try await store.insert(JobSamples.job())
            try await store.appendEvent(JobEvent(sequence: 1, jobID: job.id, kind: .queued))
            await #expect(throws: StoreError.self) {
                try await store.appendEvent(JobEvent(sequence: 1, jobID: job.id, kind: .started))
            }
            await #expect(throws: StoreError.self) {
                try await store.appendEvent(JobEvent(sequence: 1, jobID: JobID(), kind: .queued))
            }
            #expect(try await store.events(for: job.id).map(\.kind) == [.queued])
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

            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch) // urgent
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
            _ = try await store.insert([JobSamples.job("a", lane: "cpu"), JobSamples.job("b", lane: "gpu"),
                                        JobSamples.job("c", lane: "cpu")])
            #expect(try await store.queuedCount() == 3)
            #expect(try await store.lanesWithQueuedJobs() == ["cpu", "gpu"])
            _ = try await store.claimNext(lane: "gpu", now: JobSamples.epoch)
            #expect(try await store.queuedCount() == 2)
            #expect(try await store.lanesWithQueuedJobs() == ["cpu"])
        }
    }

    // MARK: Recovery and retention

    @Test func recoverInterruptedRequeuesOrFailsRunningJobs() async throws {
        try await JobTestDatabase.with { _, store in
            let retry = try await store.insert(JobSamples.job("retry", maxAttempts: 3))
            let exhausted = try await store.insert(JobSamples.job("exhausted", lane: "gpu", maxAttempts: 1))
            let queued = try await store.insert(JobSamples.job("queued", lane: "asr"))
            let done = try await store.insert(JobSamples.job("done", lane: "other"))
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)
            _ = try await store.claimNext(lane: "gpu", now: JobSamples.epoch)
            _ = try await store.claimNext(lane: "other", now: JobSamples.epoch)
            try await store.finish(done.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
                                   at: JobSamples.epoch)
            try await store.updateProgress(retry.id, progress: 0.7, stage: .synthesizing)
            let at = JobSamples.epoch.addingTimeInterval(60)

            let (requeued, failed) = try await store.recoverInterrupted(problem: JobScheduler.interrupted, at: at)
            #expect(requeued.map(\.id) == [retry.id])
            #expect(failed.map(\.id) == [exhausted.id])

            let back = try #require(try await store.job(retry.id))
            #expect(back.status == .queued)
            #expect(back.progress == 0 && back.stage == nil)
            #expect(back.attempts == 1)
            #expect(requeued.first == back, "the returned record is what the store holds")

            let gone = try #require(try await store.job(exhausted.id))
            #expect(gone.status == .failed)
            #expect(gone.problem == JobScheduler.interrupted)
            #expect(gone.finishedAt == at)
            #expect(failed.first == gone)

            #expect(try await store.job(queued.id)?.status == .queued)
            #expect(try await store.job(done.id)?.status == .completed)

            let again = try await store.recoverInterrupted(problem: JobScheduler.interrupted, at: at)
            #expect(again.requeued.isEmpty && again.failed.isEmpty, "recovery is idempotent")
        }
    }

    @Test func finishedJobsBeforeADateAreOldestFirst() async throws {
        try await JobTestDatabase.with { _, store in
            let jobs = try await store.insert((0..<5).map { JobSamples.job("job \($0)") })
            let base = JobSamples.epoch
            // Finish jobs 0, 1, 2 at +30 s, +10 s, +20 s; job 3 stays running, job 4 queued.
            for (index, offset) in [(0, 30.0), (1, 10.0), (2, 20.0)] {
                _ = try await store.claimNext(lane: "cpu", now: base)
                try await store.finish(jobs[index].id, status: index == 2 ? .cancelled : .completed,
                                       result: nil, problem: nil, at: base.addingTimeInterval(offset))
            }
            _ = try await store.claimNext(lane: "cpu", now: base)

            let all = try await store.finishedJobs(before: base.addingTimeInterval(100), limit: 10)
            #expect(all.map(\.id) == [jobs[1].id, jobs[2].id, jobs[0].id])
            let early = try await store.finishedJobs(before: base.addingTimeInterval(20), limit: 10)
            #expect(early.map(\.id) == [jobs[1].id], "strictly before the date")
            let limited = try await store.finishedJobs(before: base.addingTimeInterval(100), limit: 2)
            #expect(limited.map(\.id) == [jobs[1].id, jobs[2].id])
            #expect(try await store.finishedJobs(before: base.addingTimeInterval(100), limit: 0).isEmpty)
            #expect(try await store.finishedJobs(before: base.addingTimeInterval(100), limit: -1).isEmpty)
        }
    }

    @Test func jobsInBatchComeInBatchOrder() async throws {
        try await JobTestDatabase.with { _, store in
            let batch = [2, 0, 3, 1].map { (index: Int) in JobSamples.job("item \(index)", batchID: "b1", batchIndex: index) }
            _ = try await store.insert(batch)
            _ = try await store.insert(JobSamples.job("elsewhere", batchID: "b2", batchIndex: 0))
            _ = try await store.insert(JobSamples.job("alone"))
            let read = try await store.jobs(inBatch: "b1")
            #expect(read.map(JobSamples.text(of:)) == ["item 0", "item 1", "item 2", "item 3"])
            #expect(read.map(\.batchIndex) == [0, 1, 2, 3])
            #expect(try await store.jobs(inBatch: "b2").count == 1)
            #expect(try await store.jobs(inBatch: "missing").isEmpty)
        }
    }

    // MARK: Durability and errors

    @Test func everythingSurvivesClosingAndReopeningTheFile() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let job: JobRecord
        let queued: JobRecord
        do {
            let database = try files.open()
            let store = SQLiteJobStore(database: database)
            job = try await store.insert(JobRecord(payload: .synthesis(JobSamples.fullSynthesisSpec), lane: "cpu",
                                                   createdAt: JobSamples.epoch, owner: "key"))
            queued = try await store.insert(JobSamples.job("waiting"))
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)
            try await store.appendEvent(JobEvent(sequence: 1, jobID: job.id, kind: .queued, queuePosition: 1))
            try await store.appendEvent(JobEvent(sequence: 2, jobID: job.id, kind: .completed,
                                                 result: JobSamples.synthesisResult))
            try await store.finish(job.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
                                   at: JobSamples.epoch.addingTimeInterval(1))
            try database.close()
            await #expect(throws: StoreError.self, "a closed database refuses work") {
                _ = try await store.job(job.id)
            }
        }

        let database = try files.open()
        defer { try? database.close() }
        let store = SQLiteJobStore(database: database)
        let read = try #require(try await store.job(job.id))
        #expect(read.status == .completed)
        #expect(read.payload == .synthesis(JobSamples.fullSynthesisSpec))
        #expect(read.result == JobSamples.synthesisResult)
        #expect(read.owner == "key")
        #expect(try await store.events(for: job.id).map(\.kind) == [.queued, .completed])
        #expect(try await store.job(queued.id)?.status == .queued)
        #expect(try await store.queuePosition(of: queued.id) == 1)
        let later = try await store.insert(JobSamples.job("later"))
        #expect(later.sequence > queued.sequence, "arrival order continues after a restart")
        try await store.checkWritable()
    }

    @Test func aFileThatIsNotADatabaseGivesAClearStoreError() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        try Data("this is a text file, not SQLite\n".utf8).write(to: files.path)
        let error = #expect(throws: StoreError.self) { _ = try files.open() }
        #expect(error == .unreadable(path: files.path.path))
        #expect(error?.message.contains("not a SQLite database or is damaged") == true)
        #expect(error?.message.contains(files.path.path) == true)
        #expect(error?.message.contains("file is not a database") == false, "SQLite's own text stays out")
        #expect(error?.category == .unavailable)
    }

    @Test func aDatabaseWithADamagedHeaderGivesAClearStoreError() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        do {
            let database = try files.open()
            _ = try await SQLiteJobStore(database: database).insert(JobSamples.job())
            try database.close()
        }
        // Overwrite the first page (header and schema) with noise, as a bad disk or a stray write would.
        let handle = try FileHandle(forWritingTo: files.path)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 4096))
        try handle.close()
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: files.path.path + suffix)
        }
        let error = #expect(throws: StoreError.self) { _ = try files.open() }
        #expect(error == .unreadable(path: files.path.path))
    }

    @Test(.enabled(if: ReadOnlyFiles.available, "cannot make a read-only file on this machine"))
    func aReadOnlyDatabaseFileGivesAClearStoreError() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        do {
            let database = try files.open()
            _ = try await SQLiteJobStore(database: database).insert(JobSamples.job())
            try database.close()
        }
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: files.path.path + suffix)
        }
        try ReadOnlyFiles.protect(files.path)
        defer { ReadOnlyFiles.unprotect(files.path) }
        let error = #expect(throws: StoreError.self) { _ = try files.open() }
        #expect(error == .readOnly(path: files.path.path))
        #expect(error?.message.contains("cannot be written") == true)
        #expect(error?.message.contains("write permission") == true)
    }

    @Test(.enabled(if: ReadOnlyFiles.available, "cannot make a read-only folder on this machine"))
    func aReadOnlyFolderGivesAClearStoreError() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let inner = files.folder.appendingPathComponent("locked", isDirectory: true)
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try ReadOnlyFiles.protect(inner)
        defer { ReadOnlyFiles.unprotect(inner) }
        let path = inner.appendingPathComponent("service.sqlite")
        let error = #expect(throws: StoreError.self) { _ = try ServiceDatabase(path: path) }
        #expect(error == .readOnly(path: path.path))
    }

    @Test func aFolderThatCannotBeCreatedGivesAClearStoreError() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let blocker = files.folder.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        let path = blocker.appendingPathComponent("data/service.sqlite")
        let error = #expect(throws: StoreError.self) { _ = try ServiceDatabase(path: path) }
        #expect(error == .cannotOpen(path: path.path, reason: "its folder could not be created"))
        #expect(error?.message.contains(path.path) == true)
    }

    @Test func checkWritableSucceedsOnAFreshDatabase() async throws {
        try await JobTestDatabase.with { database, store in
            try await store.checkWritable()
            try await database.checkWritable()
        }
    }
}

/// Makes files read-only in a way that holds even for root: permission bits for ordinary
/// users, the immutable attribute (`chattr +i`) where bits do not bind (root).
enum ReadOnlyFiles {
    /// Whether this machine lets the tests make a read-only file.
    static let available: Bool = {
        guard let folder = try? JobTestDatabase() else { return false }
        defer { folder.remove() }
        let probe = folder.folder.appendingPathComponent("probe")
        guard (try? Data("x".utf8).write(to: probe)) != nil else { return false }
        guard (try? protect(probe)) != nil else { return false }
        defer { unprotect(probe) }
        return access(probe.path, W_OK) != 0
    }()

    /// Makes `url` (file or folder) unwritable.
    static func protect(_ url: URL) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: url.path)
        if access(url.path, W_OK) == 0 {
            try chattr("+i", url)
        }
    }

    /// Undoes `protect`, so the file can be deleted.
    static func unprotect(_ url: URL) {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") { try? chattr("-i", url) }
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    private struct ChattrFailed: Error {}

    private static func chattr(_ flag: String, _ url: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, url.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ChattrFailed() }
    }
}
