import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// Sample payloads and results with every field set, so a round trip proves each one is stored.
enum JobSamples {
    /// A date that survives the store's seconds-since-1970 `REAL` columns exactly.
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000.5)

    static let fullSynthesisSpec = SynthesisJobSpec(
        text: try! SpeechText("Hello there. 你好！"), model: "piper-en_US-joe-medium", savedVoiceID: String(repeating: "ab", count: 16),
        hasUploadedReference: true, referenceText: "The reference text.",
        parameters: try! SynthesisParameters(
            temperature: 0.55, topP: 0.7, topK: 12, samplingStrategy: .quality,
            seed: 42, speed: 1.25),
        format: .opus, skipTranscription: true, requireClone: true)

    static let fullTranscriptionSpec = TranscriptionJobSpec(model: "whisper-tiny.en", language: "en", requireReliable: true)

    static let synthesisResult = JobResult.synthesis(
        SynthesisJobResult(
            durationSeconds: 2.5, synthesisSeconds: 0.25, realTimeFactor: 0.1, format: .mp3, sampleRate: 22_050,
            bytes: 40_000, model: "piper-en_US-joe-medium", cloned: false,
            parameterReport: ParameterReport(
                applied: [.speed: "length_scale = 0.8"],
                ignored: [.temperature: "VITS has no sampling temperature"]),
            referenceReport: ReferenceQualityReport(
                durationSeconds: 6, preparedSeconds: 5, speechSeconds: 4.5, windowSpeechSeconds: 4, speechRatio: 0.75,
                peakDBFS: -1.5, clippedFraction: 0.001, rmsDBFS: -20, snrDB: 30, sampleRate: 16_000,
                detector: .sileroVAD, window: SpeechSegment(start: 0.5, end: 5.5),
                warnings: [ReferenceWarning(code: .noisy, message: "a little noisy")]),
            referenceText: "The reference text.", referenceTextTranscribed: true, notes: ["not cloned"]))

    static let transcriptionResult = JobResult.transcription(
        TranscriptionJobResult(
            transcript: Transcript(
                text: "hello world", language: "en", languageProbability: 0.98, duration: 1.5,
                segments: [
                    TranscriptSegment(
                        start: 0, end: 1.5, text: "hello world",
                        averageLogProbability: -0.2)
                ]),
            model: "whisper-tiny.en", reliable: false, warnings: ["short"], recognitionSeconds: 0.4))

    static let problem = JobProblem(
        code: "test.problem", title: "Test problem", category: .invalidInput,
        detail: "Something about the input.", retryable: false)

    /// A synthesis job speaking `text`.
    static func job(
        _ text: String = "Hello.", lane: JobLane = .cpu, priority: Int = 0, maxAttempts: Int = 3,
        createdAt: Date = epoch, batchID: String? = nil, batchIndex: Int? = nil
    ) -> JobRecord {
        JobRecord(
            payload: .synthesis(SynthesisJobSpec(text: try! SpeechText(text))), lane: lane, priority: priority,
            maxAttempts: maxAttempts, createdAt: createdAt, batchID: batchID, batchIndex: batchIndex)
    }

    /// The text of a synthesis job (how the tests name their jobs).
    static func text(of job: JobRecord) -> String {
        if case let .synthesis(spec) = job.payload { return spec.text.value }
        return "(transcription)"
    }
}
