import Foundation
import GLMTTSEngine
import GLMTTSService

/// Wraps the service's job executor to record each attempt in `ServiceMetrics`: queue wait,
/// run time, final status and (synthesis) real-time factor, by kind and engine; and to log
/// one structured line per attempt (job id, kind, engine, durations; never the text).
struct MeasuredJobExecutor: JobExecutor {
    let base: any JobExecutor
    let metrics: ServiceMetrics
    let log: @Sendable (String, [String: String]) -> Void

    func execute(_ job: JobRecord, reporter: JobReporter) async throws -> JobResult {
        let started = Date()
        let wait = started.timeIntervalSince(job.createdAt)
        let kind = job.kind.rawValue
        var engine = "unknown"
        if case let .synthesis(spec) = job.payload { engine = spec.model ?? "default" }
        if case let .transcription(spec) = job.payload { engine = spec.model ?? "default" }
        do {
            let result = try await base.execute(job, reporter: reporter)
            let run = Date().timeIntervalSince(started)
            var rtf: Double?
            if let synthesis = result.synthesis {
                engine = synthesis.model
                rtf = synthesis.realTimeFactor
                if let checks = synthesis.verification { metrics.verification(checks, audioSeconds: synthesis.durationSeconds) }
            }
            metrics.job(kind: kind, engine: engine, status: "completed", waitSeconds: wait, runSeconds: run, realTimeFactor: rtf)
            log(
                "job completed",
                [
                    "job_id": job.id.rawValue, "kind": kind, "engine": engine, "attempt": String(job.attempts),
                    "wait_s": String(format: "%.3f", wait), "run_s": String(format: "%.3f", run),
                    "rtf": rtf.map { String(format: "%.4f", $0) } ?? "-",
                ])
            return result
        } catch {
            let run = Date().timeIntervalSince(started)
            let problem = JobProblem(error)
            let status =
                error is CancellationError || problem.code == ProblemCode.jobCancelled
                ? "cancelled"
                : problem.retryable && job.attempts < job.maxAttempts ? "retrying" : "failed"
            metrics.job(kind: kind, engine: engine, status: status, waitSeconds: wait, runSeconds: run, realTimeFactor: nil)
            log(
                "job ended without a result",
                [
                    "job_id": job.id.rawValue, "kind": kind, "engine": engine, "attempt": String(job.attempts),
                    "status": status, "code": problem.code,
                    "run_s": String(format: "%.3f", run),
                ])
            throw error
        }
    }
}
