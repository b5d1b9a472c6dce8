import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// A `JobExecutor` the tests steer: it counts concurrent runs per lane, holds jobs until
/// released, fails on demand and reports progress.
final class ScriptedExecutor: JobExecutor {
    let log = JobTestProbe(ExecutorLog())
    private let scripts: [String: JobScript]

    init(_ scripts: [String: JobScript] = [:]) {
        self.scripts = scripts
    }

    static let flaky = JobProblem(
        code: "test.flaky", title: "Flaky", category: .unavailable,
        detail: "The test engine failed this attempt.", retryable: true)

    func execute(_ job: JobRecord, reporter: JobReporter) async throws -> JobResult {
        let text = JobSamples.text(of: job)
        let script = scripts[text] ?? JobScript()
        log.update { log in
            log.runningByLane[job.lane, default: 0] += 1
            log.maxRunningByLane[job.lane] = max(log.maxRunningByLane[job.lane] ?? 0, log.runningByLane[job.lane]!)
            log.starts.append(job.id)
        }
        defer {
            log.update { log in
                log.runningByLane[job.lane, default: 0] -= 1
                log.ends.append(job.id)
            }
        }
        for (index, fraction) in script.progress.enumerated() {
            reporter.progress(
                JobProgress(stage: .synthesizing, fraction: fraction, sentence: index + 1, sentenceCount: script.progress.count))
        }
        if let first = script.holdFromAttempt, job.attempts >= first {
            do {
                let id = job.id
                try await log.wait(until: { $0.released.contains(id) })
            } catch {
                log.update { $0.sawCancellation.insert(job.id) }
                throw error
            }
        }
        if job.attempts <= script.retryableFailures { throw Self.flaky }
        if let failure = script.failure { throw failure }
        return Self.result(for: text)
    }

    /// Lets a held job go on.
    func release(_ ids: JobID...) {
        log.update { $0.released.formUnion(ids) }
    }

    /// Waits until job `id` has started `attempts` times.
    func waitUntilStarted(_ id: JobID, attempts: Int = 1) async throws {
        try await log.wait("job \(id) to start \(attempts) time(s)") { $0.startCount(of: id) >= attempts }
    }

    /// The result the executor returns for a job with `text`.
    static func result(for text: String) -> JobResult {
        .transcription(
            TranscriptionJobResult(
                transcript: Transcript(text: text, language: "en", languageProbability: nil, duration: 1, segments: []),
                model: "scripted", reliable: true, warnings: [], recognitionSeconds: 0))
    }
}
