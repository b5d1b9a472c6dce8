import GLMTTSEngine

/// The executor the service's scheduler uses: synthesis and transcription jobs, each to
/// its own executor.
public struct ServiceJobExecutor: JobExecutor {
    /// Runs synthesis jobs.
    public let synthesis: SynthesisJobExecutor
    /// Runs transcription jobs.
    public let transcription: TranscriptionJobExecutor

    public init(synthesis: SynthesisJobExecutor, transcription: TranscriptionJobExecutor) {
        self.synthesis = synthesis
        self.transcription = transcription
    }

    public func execute(_ job: JobRecord, reporter: JobReporter) async throws -> JobResult {
        switch job.payload {
        case let .synthesis(spec):
            return .synthesis(try await synthesis.execute(spec, of: job, reporter: reporter))
        case let .transcription(spec):
            return .transcription(try await transcription.execute(spec, of: job, reporter: reporter))
        }
    }
}
