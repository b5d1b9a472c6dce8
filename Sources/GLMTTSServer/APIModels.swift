import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService

/// Conversions from the core's records to the wire types generated from openapi.yaml.
enum APIModels {
    /// URLs of a job's resources.
    static func links(_ id: JobID, kind: JobKind) -> Components.Schemas.JobLinks {
        Components.Schemas.JobLinks(
            _self: "/api/tts/\(id.rawValue)", progress: "/api/tts/progress/\(id.rawValue)",
            audio: kind == .synthesis ? "/api/tts/\(id.rawValue)/audio" : nil)
    }

    /// The job document of `GET /api/tts/{id}`.
    static func job(_ record: JobRecord, queuePosition: Int?) -> Components.Schemas.Job {
        var job = Components.Schemas.Job(
            id: record.id.rawValue, kind: record.kind == .synthesis ? .synthesis : .transcription,
            status: status(record.status), createdAt: record.createdAt, startedAt: record.startedAt,
            finishedAt: record.finishedAt, queuePosition: record.status == .queued ? queuePosition : nil,
            progress: min(1, max(0, record.status == .completed ? 1 : record.progress)),
            stage: record.status == .completed ? .done : record.stage.flatMap { Components.Schemas.JobStage(rawValue: $0.rawValue) },
            attempts: record.attempts, links: links(record.id, kind: record.kind))
        switch record.payload {
        case let .synthesis(spec):
            job.model = spec.model
            job.textLength = spec.text.count
            job.parameters = parameters(spec.parameters)
        case let .transcription(spec):
            job.model = spec.model
        }
        if let synthesis = record.result?.synthesis {
            job.model = synthesis.model
            job.parameterReport = parameterReport(synthesis.parameterReport)
            job.result = result(synthesis, id: record.id)
            if let text = synthesis.referenceText {
                job.reference = Components.Schemas.JobReference(
                    transcript: text, transcribed: synthesis.referenceTextTranscribed,
                    quality: synthesis.referenceReport.map(quality))
            } else if let report = synthesis.referenceReport {
                job.reference = Components.Schemas.JobReference(transcript: "", transcribed: false, quality: quality(report))
            }
        }
        if let transcription = record.result?.transcription {
            job.model = transcription.model
            job.transcript = transcript(transcription)
        }
        if let problem = record.problem, record.status == .failed || record.status == .cancelled {
            job.problem = self.problem(problem)
        }
        return job
    }

    /// A job status on the wire.
    static func status(_ status: JobStatus) -> Components.Schemas.JobStatus {
        Components.Schemas.JobStatus(rawValue: status.rawValue) ?? .failed
    }

    /// The parameters a job asked for.
    static func parameters(_ p: SynthesisParameters) -> Components.Schemas.SynthesisParameters {
        Components.Schemas.SynthesisParameters(
            temperature: p.temperature, topP: p.topP, topK: p.topK,
            samplingStrategy: Components.Schemas.SamplingStrategy(rawValue: p.samplingStrategy.rawValue),
            seed: p.seed.map { Int64(bitPattern: $0) }, speed: p.speed)
    }

    /// Which parameters the engine applied and which it ignored (with why).
    static func parameterReport(_ report: ParameterReport) -> Components.Schemas.ParameterReport {
        Components.Schemas.ParameterReport(
            applied: report.applied.sorted { $0.key < $1.key }.map { .init(name: $0.key.rawValue, value: $0.value) },
            ignored: report.ignored.sorted { $0.key < $1.key }.map { .init(name: $0.key.rawValue, reason: $0.value) })
    }

    /// A finished synthesis.
    static func result(_ result: SynthesisJobResult, id: JobID) -> Components.Schemas.JobResult {
        Components.Schemas.JobResult(
            durationSeconds: result.durationSeconds, realTimeFactor: result.realTimeFactor,
            synthesisSeconds: result.synthesisSeconds,
            format: Components.Schemas.AudioFormat(rawValue: result.format.rawValue) ?? .wav,
            sampleRate: result.sampleRate, bytes: Int64(result.bytes),
            audioUrl: "/api/tts/\(id.rawValue)/audio", captionsUrl: "/api/tts/\(id.rawValue)/captions", notes: result.notes,
            languages: result.languages,
            speakerSimilarity: result.speakerSimilarity.map(finite),
            voiceMatch: result.voiceMatch.map { match in
                Components.Schemas.VoiceMatch(
                    voice: match.voice, similarity: finite(match.similarity),
                    compared: match.compared.map { .init(voice: $0.voice, similarity: finite($0.similarity)) })
            },
            verification: result.verification.map(verification))
    }

    /// How a job's sentences fared in verification.
    static func verification(_ sentences: [SentenceVerification]) -> Components.Schemas.Verification {
        Components.Schemas.Verification(
            passed: sentences.allSatisfy(\.passed), failedSentences: sentences.count(where: { !$0.passed }),
            retakenSentences: sentences.count(where: { $0.attempts > 1 }),
            checkSeconds: sentences.reduce(0) { $0 + $1.checkSeconds }, retakeSeconds: sentences.reduce(0) { $0 + $1.retakeSeconds },
            sentences: sentences.map { sentence in
                .init(
                    index: sentence.index, text: sentence.text, attempts: sentence.attempts, passed: sentence.passed,
                    failures: sentence.failures.compactMap { .init(rawValue: $0.rawValue) }, heard: sentence.heard,
                    errorRate: sentence.errorRate.map(finite), countsCharacters: sentence.errorRateCountsCharacters,
                    speakerSimilarity: sentence.speakerSimilarity.map(finite), durationRatio: finite(sentence.durationRatio))
            })
    }

    /// A job's caption words.
    static func captions(_ captions: Captions, id: JobID) -> Components.Schemas.Captions {
        Components.Schemas.Captions(
            taskId: id.rawValue, durationSeconds: captions.duration, recognizer: captions.recognizer,
            estimatedBecause: captions.estimatedBecause, heardWords: captions.heardWordCount,
            alignmentSeconds: captions.alignmentSeconds,
            words: captions.words.map {
                .init(text: $0.text, start: $0.start, end: $0.end, sentence: $0.sentence, heard: $0.heard)
            },
            sentences: captions.sentences.map { .init(text: $0.text, start: $0.start, end: $0.end) })
    }

    /// A reference clip's quality report.
    static func quality(_ report: ReferenceQualityReport) -> Components.Schemas.ReferenceQuality {
        Components.Schemas.ReferenceQuality(
            durationSeconds: report.durationSeconds, speechSeconds: report.speechSeconds, speechRatio: report.speechRatio,
            peakDbfs: finite(report.peakDBFS), clippingRatio: report.clippedFraction, rmsDbfs: finite(report.rmsDBFS),
            snrDb: report.snrDB.map(finite),
            warnings: report.warnings.map { .init(code: $0.code, message: $0.message) })
    }

    /// A transcription result.
    static func transcript(_ result: TranscriptionJobResult) -> Components.Schemas.Transcript {
        Components.Schemas.Transcript(
            text: result.transcript.text, language: result.transcript.language ?? "",
            durationSeconds: result.transcript.duration,
            segments: result.transcript.segments.map { .init(start: $0.start, end: $0.end, text: $0.text) },
            model: result.model, reliable: result.reliable, warnings: result.warnings)
    }

    /// A stored job problem on the wire (the request id is the one of the request reading it).
    static func problem(_ problem: JobProblem) -> Components.Schemas.Problem {
        Components.Schemas.Problem(
            _type: "/problems/\(problem.code)", title: problem.title, status: problem.httpStatus, detail: problem.detail,
            requestId: RequestInfo.current.requestID)
    }

    /// A progress event on the wire.
    static func event(_ event: JobEvent) -> Components.Schemas.JobEvent {
        var wire = Components.Schemas.JobEvent(
            sequence: event.sequence, jobId: event.jobID.rawValue,
            _type: Components.Schemas.JobEventType(rawValue: event.kind.rawValue) ?? .stage,
            elapsedSeconds: max(0, event.elapsedSeconds), queuePosition: event.queuePosition,
            stage: event.stage.flatMap { Components.Schemas.JobStage(rawValue: $0.rawValue) }, fraction: event.fraction,
            sentence: event.sentence, sentenceCount: event.sentenceCount, detail: event.detail)
        if let synthesis = event.result?.synthesis { wire.result = result(synthesis, id: event.jobID) }
        if let problem = event.problem, event.kind != .completed { wire.problem = self.problem(problem) }
        // The reference product's fields, for its clients.
        let message = ReferenceProgress.message(of: event)
        wire.status = ReferenceProgress.status(of: event.kind)
        wire.message = message
        wire.step = message
        wire.elapsed = wire.elapsedSeconds
        return wire
    }

    /// A saved voice.
    static func voice(_ record: VoiceRecord) -> Components.Schemas.Voice {
        Components.Schemas.Voice(
            id: record.id, name: record.name, createdAt: record.createdAt, referenceText: record.referenceText ?? "",
            transcribed: record.transcribed, durationSeconds: record.quality.preparedSeconds,
            quality: quality(record.quality), audioUrl: "/api/voices/\(record.id)/audio")
    }

    /// GPUs as nvidia-smi reported them.
    static func gpus(_ gpus: [SystemProbe.GPU]) -> [Components.Schemas.GPUStatus] {
        gpus.map {
            .init(
                index: $0.index, name: $0.name, memoryTotalBytes: $0.memoryTotalBytes,
                memoryUsedBytes: $0.memoryUsedBytes, utilizationPercent: $0.utilizationPercent)
        }
    }

    /// JSON cannot carry infinities (silence measures −∞ dBFS): clamp to a floor.
    static func finite(_ value: Double) -> Double {
        value.isFinite ? value : (value < 0 ? -120 : 0)
    }
}
