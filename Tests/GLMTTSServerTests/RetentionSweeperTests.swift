import Foundation
import GLMTTSEngine
import GLMTTSService
import Testing
@testable import GLMTTSServer

/// Finished jobs older than the retention time go, with their files; others stay.
@Suite struct RetentionSweeperTests {
    @Test func deletesExpiredFinishedJobsAndTheirFiles() async throws {
        try await ServerTestHarness.withContext({ $0.retentionSeconds = 3600 }) { context in
            let spec = SynthesisJobSpec(text: "Old.", hasUploadedReference: true)
            let old = try await context.jobs.insert(context.makeJob(.synthesis(spec)))
            let fresh = try await context.jobs.insert(context.makeJob(.synthesis(spec)))
            let queued = try await context.jobs.insert(context.makeJob(.synthesis(spec)))
            for job in [old, fresh, queued] {
                try context.files.write(Data("clip".utf8), to: context.files.upload(for: job.id))
            }
            try context.files.write(Data("wav".utf8), to: context.files.output(for: old.id, format: .wav))
            let now = Date()
            try await context.jobs.finish(old.id, status: .failed, result: nil,
                                          problem: JobProblem(code: "x", title: "x", status: 500, detail: "x"),
                                          at: now.addingTimeInterval(-7200))
            try await context.jobs.finish(fresh.id, status: .failed, result: nil,
                                          problem: JobProblem(code: "x", title: "x", status: 500, detail: "x"), at: now)

            let deleted = await RetentionSweeper(context: context).sweep(now: now)

            #expect(deleted == 1)
            #expect(try await context.jobs.job(old.id) == nil)
            #expect(!FileManager.default.fileExists(atPath: context.files.upload(for: old.id).path))
            #expect(!FileManager.default.fileExists(atPath: context.files.output(for: old.id, format: .wav).path))
            #expect(try await context.jobs.job(fresh.id) != nil)
            #expect(FileManager.default.fileExists(atPath: context.files.upload(for: fresh.id).path))
            #expect(try await context.jobs.job(queued.id) != nil)
        }
    }
}
