import Foundation
import GLMTTSEngine
import GLMTTSService
import Testing

@testable import GLMTTSServer

/// Finished jobs older than the retention time go, with their files; others stay.
@Suite struct RetentionSweeperTests {
    @Test func deletesExpiredFinishedJobsAndTheirFiles() async throws {
        try await ServerTestHarness.withDependencies({ $0.retentionSeconds = 3600 }) { context in
            let spec = SynthesisJobSpec(text: try SpeechText("Old."), hasUploadedReference: true)
            let old = try await context.jobs.insert(JobRecord(payload: .synthesis(spec), lane: .cpu))
            let fresh = try await context.jobs.insert(JobRecord(payload: .synthesis(spec), lane: .cpu))
            let queued = try await context.jobs.insert(JobRecord(payload: .synthesis(spec), lane: .cpu))
            for job in [old, fresh, queued] {
                try await context.blobs.write(Data("clip".utf8), to: .upload(job.id))
            }
            try await context.blobs.write(Data("wav".utf8), to: .output(old.id, .wav))
            let now = Date()
            try await context.jobs.finish(
                old.id, status: .failed, result: nil,
                problem: JobProblem(code: "x", title: "x", category: .internalFailure, detail: "x"),
                at: now.addingTimeInterval(-7200))
            try await context.jobs.finish(
                fresh.id, status: .failed, result: nil,
                problem: JobProblem(code: "x", title: "x", category: .internalFailure, detail: "x"), at: now)

            let deleted = await RetentionSweeper(
                jobs: context.jobs, blobs: context.blobs, retentionSeconds: 3600,
                logger: context.logger
            ).sweep(now: now)

            #expect(deleted == 1)
            #expect(try await context.jobs.job(old.id) == nil)
            #expect(try await context.blobs.read(.upload(old.id)) == nil)
            #expect(try await context.blobs.read(.output(old.id, .wav)) == nil)
            #expect(try await context.jobs.job(fresh.id) != nil)
            #expect(try await context.blobs.read(.upload(fresh.id)) != nil)
            #expect(try await context.jobs.job(queued.id) != nil)
        }
    }
}
