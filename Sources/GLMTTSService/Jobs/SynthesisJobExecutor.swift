import Foundation
import GLMTTSEngine

/// Runs synthesis jobs through the one `SynthesisPipeline`: reads the uploaded or saved
/// reference clip, maps pipeline progress to job events, streams raw chunks to listeners,
/// and keeps the result through `JobOutputs` (the lossless master plus the format the
/// client asked for).
public struct SynthesisJobExecutor: Sendable {
    /// The pipeline every synthesis takes.
    public let pipeline: SynthesisPipeline
    /// Where uploads and voice clips are.
    public let blobs: any BlobStore
    /// Saved voices.
    public let voices: any VoiceStore
    private let outputs: JobOutputs

    public init(pipeline: SynthesisPipeline, blobs: any BlobStore, voices: any VoiceStore) {
        self.pipeline = pipeline
        self.blobs = blobs
        self.voices = voices
        outputs = JobOutputs(blobs: blobs)
    }

    /// Runs `spec` as job `job`.
    public func execute(_ spec: SynthesisJobSpec, of job: JobRecord, reporter: JobReporter) async throws -> SynthesisJobResult {
        var referenceAudio: Data?
        var referenceText = spec.referenceText
        if spec.hasUploadedReference {
            guard let upload = try await blobs.read(.upload(job.id)) else {
                throw JobProblem(
                    code: ProblemCode.jobUploadGone, title: "Gone", category: .gone,
                    detail: "The uploaded reference clip of this job is no longer stored; submit the request again.")
            }
            referenceAudio = upload
        } else if let voiceID = spec.savedVoiceID {
            guard let voice = try await voices.voice(id: voiceID), let data = try await blobs.read(.voiceClip(voiceID)) else {
                throw JobProblem(
                    code: ProblemCode.voiceNotFound, title: "Not found", category: .notFound,
                    detail: "The saved voice '\(voiceID)' no longer exists; pick another voice or upload a clip.")
            }
            referenceAudio = data
            if referenceText?.isEmpty ?? true { referenceText = voice.referenceText }
        }
        let request = SynthesisJob(
            text: spec.text, voiceID: spec.model, referenceAudio: referenceAudio, referenceText: referenceText,
            parameters: spec.parameters, outputFormat: .wav, requireClone: spec.requireClone,
            skipTranscription: spec.skipTranscription || (spec.savedVoiceID != nil && referenceText != nil),
            language: spec.language, voiceMatch: spec.voiceMatch ?? false, verification: spec.verification)
        let output = try await pipeline.run(
            request,
            progress: { step in
                // "done" belongs to the job, not the pipeline: the file still has to be written
                // (and maybe encoded); the scheduler's `completed` event says done.
                if step.stage == .done { return }
                if step.stage == .synthesizing, step.sentence != nil {
                    reporter.progress(
                        JobProgress(
                            stage: .synthesizing, fraction: step.fraction, sentence: step.sentence,
                            sentenceCount: step.sentenceCount, detail: step.detail))
                } else {
                    reporter.stage(JobStage(step.stage), fraction: step.fraction, detail: step.detail)
                }
            }, chunk: { reporter.audioChunk($0) })

        if spec.format != .wav { reporter.stage(.encoding, fraction: 0.97, detail: spec.format.rawValue) }
        let bytes = try await outputs.store(master: output.encoded, audio: output.audio, of: job, as: spec.format)
        if let captions = output.captions {
            // Verification heard every word: the captions are ready without a second transcription.
            try await JobCaptions.keep(captions, of: job, in: blobs)
        }
        return SynthesisJobResult(
            durationSeconds: output.audio.duration, synthesisSeconds: output.synthesisSeconds,
            realTimeFactor: output.realTimeFactor, format: spec.format, sampleRate: output.audio.sampleRate, bytes: bytes,
            model: output.voiceID, cloned: output.summary.cloned, parameterReport: output.summary.parameterReport,
            referenceReport: output.referenceReport, referenceText: output.referenceText,
            referenceTextTranscribed: output.referenceTextTranscribed, notes: output.notes, languages: output.languages,
            speakerSimilarity: output.speakerSimilarity, voiceMatch: output.voiceMatch, sentences: output.sentences,
            verification: output.verification)
    }
}
