import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// `GET /api/tts/{id}`: a job's status, queue position, progress, timings, parameter
    /// report, reference transcript and quality, result or problem.
    func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        let record = try await job(input.path.taskId)
        let position = record.status == .queued ? try await dependencies.jobs.queuePosition(of: record.id) : nil
        return .ok(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID),
                body: .json(APIModels.job(record, queuePosition: position))))
    }

    /// `DELETE /api/tts/{id}`: cancels a queued or running job (200 with its state), or
    /// deletes a finished one with its files (204).
    func deleteJob(_ input: Operations.DeleteJob.Input) async throws -> Operations.DeleteJob.Output {
        let record = try await job(input.path.taskId)
        if !record.status.isFinal, try await dependencies.queue.cancel(record.id) {
            let now = try await dependencies.jobs.job(record.id) ?? record
            return .ok(
                .init(
                    headers: .init(xRequestId: RequestInfo.current.requestID),
                    body: .json(APIModels.job(now, queuePosition: nil))))
        }
        try await dependencies.jobs.delete(record.id)
        await dependencies.blobs.removeBlobs(of: record.id)
        return .noContent(.init(headers: .init(xRequestId: RequestInfo.current.requestID)))
    }

    /// `GET /api/tts/{id}/audio?format=`: the result, in the format it was made in or
    /// re-encoded to another.
    func getJobAudio(_ input: Operations.GetJobAudio.Input) async throws -> Operations.GetJobAudio.Output {
        let record = try await job(input.path.taskId)
        let format = input.query.format.flatMap { OutputFormat(rawValue: $0.rawValue) }
        return .ok(try await audioResponse(record, format: format))
    }

    /// `GET /api/tts/progress/{id}`: Server-Sent Events. The whole history first (so a late
    /// subscriber misses nothing; `Last-Event-ID` skips what a reconnecting client has),
    /// then live events, ending after the final one; a keep-alive comment while idle.
    /// Unnamed events by default (the reference product's `onmessage` clients), named ones
    /// with `events=named`; `204` for a client that already has the final event.
    func streamJobProgress(_ input: Operations.StreamJobProgress.Input) async throws -> Operations.StreamJobProgress.Output {
        let record = try await job(input.path.taskId)
        let after = input.headers.lastEventID ?? 0
        if record.status.isFinal, after > 0, try await dependencies.jobs.events(for: record.id).last.map({ $0.sequence <= after }) ?? true {
            return .noContent(.init(headers: .init(xRequestId: RequestInfo.current.requestID)))
        }
        let events = try await dependencies.progress.subscribe(to: record.id, jobIsFinal: record.status.isFinal)
        let named = input.query.events == .named
        let body = ServerSentEvents.stream(events, after: after, keepAlive: dependencies.configuration.keepAliveSeconds) { event in
            (named ? event.kind.rawValue : nil, APIModels.event(event))
        }
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .textEventStream(body)))
    }
}

extension APIHandler {
    /// `GET /api/tts/{id}/captions`: the words of a completed job with their times, as WebVTT,
    /// SubRip or JSON (made on the first request, then kept with the audio).
    func getJobCaptions(_ input: Operations.GetJobCaptions.Input) async throws -> Operations.GetJobCaptions.Output {
        let record = try await job(input.path.taskId)
        let captions = try await captions(of: record)
        let headers = Operations.GetJobCaptions.Output.Ok.Headers(
            xRequestId: RequestInfo.current.requestID, xTaskId: record.id.rawValue)
        switch input.query.format ?? .vtt {
        case .vtt: return .ok(.init(headers: headers, body: .textVttCharsetUtf8(HTTPBody(Self.subtitles(captions, vtt: true)))))
        case .srt: return .ok(.init(headers: headers, body: .applicationXSubripCharsetUtf8(HTTPBody(Self.subtitles(captions, vtt: false)))))
        case .json: return .ok(.init(headers: headers, body: .json(APIModels.captions(captions, id: record.id))))
        }
    }

    /// The captions of completed synthesis job `record` (made now if they were not yet); the
    /// audio's problems when it has none (`404` transcription, `409` unfinished, `410` gone).
    func captions(of record: JobRecord) async throws -> Captions {
        let result = try completedSynthesis(record)
        guard case let .synthesis(spec) = record.payload,
            let captions = try await dependencies.captions.captions(of: record, text: spec.text.value, result: result)
        else { throw audioGone(record.id) }
        return captions
    }

    /// The captions of `record` as a file in `format` (for archives).
    func captionFile(of record: JobRecord, as format: Components.Schemas.CaptionFormat) async throws -> Data {
        let captions = try await captions(of: record)
        switch format {
        case .vtt: return Data(Self.subtitles(captions, vtt: true).utf8)
        case .srt: return Data(Self.subtitles(captions, vtt: false).utf8)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(APIModels.captions(captions, id: record.id))
        }
    }

    /// `captions` as WebVTT or SubRip.
    static func subtitles(_ captions: Captions, vtt: Bool) -> String {
        SubtitleWriter.write(SubtitleWriter.cues(captions), vtt: vtt)
    }
}
