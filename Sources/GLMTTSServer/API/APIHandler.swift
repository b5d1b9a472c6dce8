import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

/// The implementation of every operation of `openapi/openapi.yaml` (`APIProtocol`,
/// generated). Operations live in extensions by area (speech, jobs, voices, batches,
/// transcription, OpenAI compatibility, system).
///
/// Handlers throw `HTTPProblem` (or core errors, mapped to problems by
/// `ProblemMiddleware` through `ProblemMapper`) instead of returning the spec's error responses, so every
/// failure has the one problem shape.
struct APIHandler: APIProtocol {
    /// The stores, queue, engines and settings the operations work with.
    let dependencies: ServerDependencies
    /// Re-reads the models directory for the admin API.
    let reloader: ModelReloader
    /// The model pulls of the admin API.
    let pulls: ModelPullJobs

    // MARK: Shared helpers

    /// A new job record with this server's retry policy, in the lane its engine needs,
    /// owned by the requesting API key (nobody in open mode).
    func makeJob(_ payload: JobPayload, id: JobID = JobID(), batchID: String? = nil, batchIndex: Int? = nil) -> JobRecord {
        let lane: JobLane
        switch payload {
        case let .synthesis(spec):
            lane = .synthesis(on: spec.model.flatMap { try? dependencies.engines.catalogue.model(id: $0) }?.manifest.engine)
        case .transcription: lane = .asr
        }
        return JobRecord(
            id: id, payload: payload, lane: lane, maxAttempts: dependencies.configuration.maxAttempts,
            batchID: batchID, batchIndex: batchIndex, owner: RequestInfo.current.principal.owner)
    }

    /// The job `raw`; a malformed id (path-traversal-looking, wrong length) or a job of
    /// another API key is a 404 like an unknown one, so ids cannot be probed.
    func job(_ raw: String) async throws -> JobRecord {
        guard let id = JobID(raw), let job = try await dependencies.jobs.job(id),
            RequestInfo.current.principal.canSee(owner: job.owner)
        else {
            throw HTTPProblem(
                code: ProblemCode.jobNotFound, title: "Not found", status: 404,
                detail: "There is no job '\(raw.prefix(64))'. Jobs are kept for \(retentionText); it may have expired or been deleted.")
        }
        return job
    }

    /// The saved voice `id` when the requesting key may use it (its own, or any for admins
    /// and in open mode); nil otherwise.
    func visibleVoice(id: String) async throws -> VoiceRecord? {
        guard VoiceRecord.isValidID(id), let voice = try await dependencies.voices.voice(id: id),
            RequestInfo.current.principal.canSee(owner: voice.owner)
        else { return nil }
        return voice
    }

    /// Counts `characters` against the requesting key's daily quota; a `429` problem (with
    /// `Retry-After` until the next UTC day) when they do not fit. Open mode has no quota.
    /// Returns what was charged, for `refund` when the request is refused after all.
    func chargeQuota(characters: Int) async throws -> QuotaCharge? {
        let principal = RequestInfo.current.principal
        guard let keyID = principal.keyID else { return nil }
        let limit = principal.quotaCharactersPerDay ?? dependencies.configuration.quotaCharactersPerDay
        guard limit > 0 else { return nil }
        let now = Date()
        let day = QuotaDay.of(now)
        let (allowed, used) = try await dependencies.keys.charge(id: keyID, day: day, characters: characters, limit: limit)
        guard allowed else {
            dependencies.metrics.limited(reason: "quota")
            let midnight =
                Calendar(identifier: .gregorian).nextDate(
                    after: now, matching: DateComponents(timeZone: TimeZone(identifier: "UTC"), hour: 0, minute: 0, second: 0),
                    matchingPolicy: .nextTime) ?? now.addingTimeInterval(86_400)
            throw HTTPProblem(
                code: ProblemCode.quotaExceeded, title: "Quota exceeded", status: 429,
                detail:
                    "This API key may synthesise \(limit) characters per day (UTC); \(used) are used and this request needs \(characters). The quota resets at 00:00 UTC.",
                retryAfter: max(1, Int(midnight.timeIntervalSince(now).rounded(.up))))
        }
        return QuotaCharge(keyID: keyID, day: day, characters: characters)
    }

    /// Gives a charge back (the request it paid for was refused); failures are logged, not
    /// thrown, so the client hears the original refusal.
    func refund(_ charge: QuotaCharge?) async {
        guard let charge else { return }
        do {
            try await dependencies.keys.refund(id: charge.keyID, day: charge.day, characters: charge.characters)
        } catch {
            dependencies.logger.warning("could not give back quota", metadata: ["key": "\(charge.keyID)", "error": "\(error)"])
        }
    }

    /// How long results are kept, for messages.
    var retentionText: String {
        let hours = dependencies.configuration.retentionSeconds / 3600
        return hours >= 1 ? "\(Int(hours)) hours" : "\(Int(dependencies.configuration.retentionSeconds)) seconds"
    }

    /// Queues `jobs` (all or none), each with its reference clip `upload` (if any) stored
    /// first. Quota is charged for their text before anything is written; when anything
    /// fails (quota, storage, a full queue) what was written is removed and the charge is
    /// given back, so a refused request costs nothing and leaves nothing behind.
    func submit(_ jobs: [JobRecord], upload: Data?) async throws -> [JobRecord] {
        let characters = jobs.reduce(0) { total, job in
            if case let .synthesis(spec) = job.payload { return total + spec.text.count }
            return total
        }
        let charge = characters > 0 ? try await chargeQuota(characters: characters) : nil
        do {
            if let upload {
                for job in jobs { try await dependencies.blobs.write(upload, to: .upload(job.id)) }
            }
            return try await dependencies.queue.submit(jobs)
        } catch {
            for job in jobs { await dependencies.blobs.removeBlobs(of: job.id) }
            await refund(charge)
            throw error
        }
    }

    /// `submit` for one job.
    func submit(_ job: JobRecord, upload: Data?) async throws -> JobRecord {
        try await submit([job], upload: upload)[0]
    }

    /// Waits until job `id` ends (or `timeout` seconds pass) and returns its latest record.
    func waitForEnd(of id: JobID, timeout: Double? = nil) async throws -> JobRecord {
        let current = try await dependencies.jobs.job(id)
        let events = try await dependencies.progress.subscribe(to: id, jobIsFinal: current?.status.isFinal ?? true)
        let limit = timeout ?? dependencies.configuration.synchronousWaitSeconds
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in events {} }
            group.addTask { try? await Task.sleep(for: .seconds(limit)) }
            await group.next()
            group.cancelAll()
        }
        guard let latest = try await dependencies.jobs.job(id) else {
            throw HTTPProblem(code: ProblemCode.jobNotFound, title: "Not found", status: 404, detail: "The job was deleted while it ran.")
        }
        return latest
    }

    /// The audio of a completed synthesis job in `format` (encoded from the kept WAV and
    /// cached when the job was made in another format).
    func audio(of job: JobRecord, format requested: OutputFormat?) async throws -> (Data, OutputFormat, SynthesisJobResult) {
        let result = try completedSynthesis(job)
        let format = requested ?? result.format
        guard let data = try await dependencies.outputs.audio(of: job, as: format) else { throw audioGone(job.id) }
        return (data, format, result)
    }

    /// The `410` problem of a job whose audio is no longer stored.
    func audioGone(_ id: JobID) -> HTTPProblem {
        HTTPProblem(
            code: ProblemCode.jobAudioGone, title: "Gone", status: 410,
            detail: "The audio of job '\(id)' is no longer stored (results are kept for \(retentionText)).")
    }

    /// The result of a synthesis job that completed; a `404` problem for a transcription job
    /// and a `409` one for a job that has not completed (yet, or ever).
    func completedSynthesis(_ job: JobRecord) throws -> SynthesisJobResult {
        guard job.kind == .synthesis else {
            throw HTTPProblem(
                code: ProblemCode.jobNoAudio, title: "No audio", status: 404,
                detail: "Job '\(job.id)' is a transcription; it has no audio. Read its transcript with GET /api/tts/\(job.id).")
        }
        guard job.status == .completed, let result = job.result?.synthesis else {
            if job.status.isFinal {
                throw HTTPProblem(
                    code: ProblemCode.jobNoAudio, title: "No audio", status: 409,
                    detail: "Job '\(job.id)' ended \(job.status.rawValue) without audio\(job.problem.map { ": \($0.detail)" } ?? ".")")
            }
            throw HTTPProblem(
                code: ProblemCode.jobNotFinished, title: "Not finished", status: 409,
                detail:
                    "Job '\(job.id)' is still \(job.status.rawValue); follow /api/tts/progress/\(job.id) and fetch the audio when it completes."
            )
        }
        return result
    }

    /// A response body of audio bytes in the content type of `format`.
    static func audioBody(_ data: Data, format: OutputFormat) -> Components.Responses.SynthesizedAudio.Body {
        let body = HTTPBody(data)
        switch format {
        case .wav: return .audioWav(body)
        case .mp3: return .audioMpeg(body)
        case .opus: return .audioOgg(body)
        case .flac: return .audioFlac(body)
        case .aac: return .audioAac(body)
        case .pcm: return .audioL16(body)
        }
    }

    /// `attachment; filename="speech-<id>.<ext>"` (the id is ours, never client text).
    static func attachment(_ id: JobID, format: OutputFormat) -> String {
        "attachment; filename=\"speech-\(id.rawValue).\(format.fileExtension)\""
    }

    /// The 200 response carrying a finished job's audio.
    func audioResponse(_ job: JobRecord, format: OutputFormat?) async throws -> Components.Responses.SynthesizedAudio {
        let (data, format, result) = try await audio(of: job, format: format)
        return Components.Responses.SynthesizedAudio(
            headers: .init(
                xRequestId: RequestInfo.current.requestID, xTaskId: job.id.rawValue,
                xAudioDuration: result.durationSeconds, xRealTimeFactor: result.realTimeFactor,
                xVoice: result.model, xTextLanguage: result.languages.flatMap { $0.isEmpty ? nil : $0 },
                xSpeakerSimilarity: result.speakerSimilarity.map(APIModels.finite),
                contentDisposition: Self.attachment(job.id, format: format)),
            body: Self.audioBody(data, format: format))
    }

    /// Throws the job's own problem when it did not complete.
    static func requireCompleted(_ job: JobRecord) throws {
        switch job.status {
        case .completed: return
        case .failed, .cancelled:
            throw HTTPProblem(
                job.problem
                    ?? JobProblem(
                        code: ProblemCode.jobFailed, title: "Failed", category: .internalFailure,
                        detail: "The job failed without a recorded reason."))
        case .queued, .running:
            throw HTTPProblem(
                code: ProblemCode.jobNotFinished, title: "Not finished", status: 503,
                detail: "The job did not finish before the server stopped waiting; follow /api/tts/progress/\(job.id).",
                retryAfter: 5)
        }
    }

    /// The `202 Accepted` document of a queued job.
    func accepted(_ job: JobRecord) async -> Components.Schemas.JobAccepted {
        let position = try? await dependencies.jobs.queuePosition(of: job.id)
        return Components.Schemas.JobAccepted(
            id: job.id.rawValue, status: APIModels.status(job.status), statusUrl: "/api/tts/\(job.id.rawValue)",
            progressUrl: "/api/tts/progress/\(job.id.rawValue)", audioUrl: "/api/tts/\(job.id.rawValue)/audio",
            queuePosition: position)
    }
}
