import Foundation
import GLMTTSEngine

/// Runs transcription jobs: decodes the upload, transcribes it with the chosen recognizer,
/// and reports whether the transcript passes the reliability rules used for reference clips.
public struct TranscriptionJobExecutor: Sendable {
    /// Engines.
    public let registry: EngineRegistry
    /// Where uploads are.
    public let blobs: any BlobStore
    /// Limits on the uploaded audio.
    public let audioLimits: AudioLimits
    private let decoder = BlockingExecutor(label: "transcription-decoder")

    public init(registry: EngineRegistry, blobs: any BlobStore, audioLimits: AudioLimits = .default) {
        self.registry = registry
        self.blobs = blobs
        self.audioLimits = audioLimits
    }

    /// Runs `spec` as job `job`.
    public func execute(_ spec: TranscriptionJobSpec, of job: JobRecord, reporter: JobReporter) async throws -> TranscriptionJobResult {
        reporter.stage(.loadingModel, fraction: 0.01)
        if let model = spec.model, let language = spec.language.map(LanguageCode.primary), !language.isEmpty {
            let recognizer = try await registry.recognizer(id: model)  // refuse before decoding anything
            if !LanguageCode.covers(recognizer.capabilities.languages, language) {
                throw TranscriptionError.unsupportedLanguage(recognizer: recognizer.id, language: language)
            }
        }
        reporter.stage(.preparingReference, fraction: 0.05, detail: "decoding the audio")
        guard let data = try await blobs.read(.upload(job.id)) else {
            throw JobProblem(
                code: ProblemCode.jobUploadGone, title: "Gone", category: .gone,
                detail: "The uploaded audio of this job is no longer stored; submit the request again.")
        }
        let limits = audioLimits
        let audio = try await decoder.run { try AudioDecoder.decode(data, limits: limits).audio }
        reporter.stage(.transcribing, fraction: 0.1)
        let started = ContinuousClock.now
        let (recognizer, transcript) = try await registry.transcribe(audio, model: spec.model, language: spec.language)
        let seconds = (ContinuousClock.now - started).inSeconds
        var warnings: [String] = []
        do {
            _ = try ReferenceTranscriber(recognizer: recognizer).check(transcript)
        } catch let error as TranscriptionError {
            if spec.requireReliable { throw error }
            warnings.append(error.message)
        }
        return TranscriptionJobResult(
            transcript: transcript, model: recognizer.id, reliable: warnings.isEmpty,
            warnings: warnings, recognitionSeconds: seconds)
    }
}
