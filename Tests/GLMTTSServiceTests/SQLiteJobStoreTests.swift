import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

// MARK: - Tests

@Suite struct SQLiteJobStoreTests {
    // MARK: Insert and read

    @Test func insertAndReadBackEverySynthesisField() async throws {
        try await JobTestDatabase.with { _, store in
            let job = JobRecord(
                payload: .synthesis(JobSamples.fullSynthesisSpec), lane: "gpu", priority: 7,
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
            let job = JobRecord(
                payload: .transcription(JobSamples.fullTranscriptionSpec), lane: "asr",
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
}
