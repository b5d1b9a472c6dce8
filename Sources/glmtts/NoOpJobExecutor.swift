import Foundation
import GLMTTSEngine
import GLMTTSService
import Synchronization

/// The executor of `glmtts bench --queue`: does no work and returns at once, so that what a job
/// costs is the queue's own — claim, events, completion — and nothing else.
final class NoOpJobExecutor: JobExecutor, Sendable {
    private let executed = Mutex(0)

    /// Jobs executed so far.
    var count: Int { executed.withLock { $0 } }

    func execute(_ job: JobRecord, reporter: JobReporter) async throws -> JobResult {
        executed.withLock { $0 += 1 }
        return .synthesis(
            SynthesisJobResult(
                durationSeconds: 1, synthesisSeconds: 0, realTimeFactor: 0, format: .wav, sampleRate: 22_050, bytes: 44_144,
                model: "no-op", cloned: false, parameterReport: ParameterReport(), referenceReport: nil, referenceText: nil,
                referenceTextTranscribed: false, notes: []))
    }
}
