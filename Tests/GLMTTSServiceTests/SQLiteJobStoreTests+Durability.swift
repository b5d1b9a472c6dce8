import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// Recovery of interrupted jobs, retention and batch queries, and durability and clear errors for bad database files.
extension SQLiteJobStoreTests {
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
            try await store.finish(
                done.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
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
                try await store.finish(
                    jobs[index].id, status: index == 2 ? .cancelled : .completed,
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
            job = try await store.insert(
                JobRecord(
                    payload: .synthesis(JobSamples.fullSynthesisSpec), lane: "cpu",
                    createdAt: JobSamples.epoch, owner: "key"))
            queued = try await store.insert(JobSamples.job("waiting"))
            _ = try await store.claimNext(lane: "cpu", now: JobSamples.epoch)
            try await store.appendEvent(JobEvent(sequence: 1, jobID: job.id, kind: .queued, queuePosition: 1))
            try await store.appendEvent(
                JobEvent(
                    sequence: 2, jobID: job.id, kind: .completed,
                    result: JobSamples.synthesisResult))
            try await store.finish(
                job.id, status: .completed, result: JobSamples.synthesisResult, problem: nil,
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
        try await files.storeOneJobAndClose()
        // Overwrite the first page (header and schema) with noise, as a bad disk or a stray write would.
        let handle = try FileHandle(forWritingTo: files.path)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 4096))
        try handle.close()
        let error = #expect(throws: StoreError.self) { _ = try files.open() }
        #expect(error == .unreadable(path: files.path.path))
    }

    @Test(.enabled(if: ReadOnlyFiles.available, "cannot make a read-only file on this machine"))
    func aReadOnlyDatabaseFileGivesAClearStoreError() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        try await files.storeOneJobAndClose()
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
