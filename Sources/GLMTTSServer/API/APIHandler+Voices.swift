import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// Longest voice name accepted.
    static let maxVoiceNameCharacters = 100

    /// `GET /api/voices`.
    func listVoices(_ input: Operations.ListVoices.Input) async throws -> Operations.ListVoices.Output {
        let principal = RequestInfo.current.principal
        let voices = try await dependencies.voices.allVoices().filter { principal.canSee(owner: $0.owner) }.map(APIModels.voice)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(.init(voices: voices))))
    }

    /// `POST /api/voices`: saves a voice from a clip. The clip is checked and trimmed the
    /// way synthesis does it (quality report included); without `text` it is transcribed
    /// (unless `skip_whisper`), and an unreliable transcript is refused with the reason. The clip is stored as
    /// `voices/<random id>.wav`; the name lives only in the database.
    func createVoice(_ input: Operations.CreateVoice.Input) async throws -> Operations.CreateVoice.Output {
        guard case let .multipartForm(parts) = input.body else { throw HTTPProblem.unsupportedMediaType() }
        var fields = FormFields(maxValueBytes: 64 << 10, maxFileBytes: dependencies.configuration.maxUploadBytes)
        for try await part in parts {
            switch part {
            case let .name(p): try await fields.addValue("name", p.payload.body)
            case let .audio(p): try await fields.addFile("audio", p.payload.body, filename: p.filename)
            case let .text(p): try await fields.addValue("text", p.payload.body)
            case let .skipWhisper(p): try await fields.addValue("skip_whisper", p.payload.body)
            case let .undocumented(raw): try await fields.addUnknown(raw)
            }
        }
        let name = fields.string("name")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty else {
            throw HTTPProblem.invalid(ProblemCode.requestMissingField, "'name' is required: name the voice.", field: "name")
        }
        guard name.count <= Self.maxVoiceNameCharacters, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField,
                "'name' must be at most \(Self.maxVoiceNameCharacters) characters without control characters.", field: "name")
        }
        guard let clip = fields.file, !clip.data.isEmpty else {
            throw HTTPProblem.invalid(
                ProblemCode.requestMissingField, "'audio' is required: upload a reference clip (WAV, MP3, FLAC, Ogg…).", field: "audio")
        }
        let prepared = try await dependencies.pipeline.prepareReference(clip.data, sampleRate: nil)
        var text = try SpeechForm.referenceText(fields.string("text"), field: "text", limits: dependencies.configuration.textLimits)
        var transcribed = false
        if text == nil, try fields.bool("skip_whisper") != true {
            let transcriber = try await dependencies.engines.referenceTranscriber(cache: dependencies.pipeline.transcriptCache)
            text = try await transcriber.transcribe(prepared.audio).text
            transcribed = true
        }
        let voice = VoiceRecord(
            name: name, referenceText: text, transcribed: transcribed, quality: prepared.report,
            owner: RequestInfo.current.principal.owner)
        let wav = try AudioEncoder.encode(prepared.audio, as: .wav)
        try await dependencies.blobs.write(wav, to: .voiceClip(voice.id))
        do {
            try await dependencies.voices.insert(voice)
        } catch {
            await dependencies.blobs.remove(.voiceClip(voice.id))
            throw error
        }
        return .created(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID, location: "/api/voices/\(voice.id)"),
                body: .json(APIModels.voice(voice))))
    }

    /// `GET /api/voices/{id}`.
    func getVoice(_ input: Operations.GetVoice.Input) async throws -> Operations.GetVoice.Output {
        let voice = try await savedVoice(input.path.voiceId)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(APIModels.voice(voice))))
    }

    /// `DELETE /api/voices/{id}`: the voice and its clip. Jobs already queued with it fail
    /// with a clear "voice no longer exists".
    func deleteVoice(_ input: Operations.DeleteVoice.Input) async throws -> Operations.DeleteVoice.Output {
        let voice = try await savedVoice(input.path.voiceId)
        _ = try await dependencies.voices.delete(id: voice.id)
        await dependencies.blobs.remove(.voiceClip(voice.id))
        return .noContent(.init(headers: .init(xRequestId: RequestInfo.current.requestID)))
    }

    /// `GET /api/voices/{id}/audio`: the stored (trimmed) clip as WAV.
    func getVoiceAudio(_ input: Operations.GetVoiceAudio.Input) async throws -> Operations.GetVoiceAudio.Output {
        let voice = try await savedVoice(input.path.voiceId)
        guard let data = try await dependencies.blobs.read(.voiceClip(voice.id)) else {
            throw HTTPProblem(
                code: ProblemCode.voiceAudioGone, title: "Gone", status: 410,
                detail: "The clip of voice '\(voice.id)' is missing on the server; delete the voice and save it again.")
        }
        return .ok(
            .init(
                headers: .init(
                    xRequestId: RequestInfo.current.requestID,
                    contentDisposition: "attachment; filename=\"voice-\(voice.id).wav\""),
                body: .audioWav(HTTPBody(data))))
    }

    /// The saved voice `raw`; malformed ids are 404s like unknown ones.
    func savedVoice(_ raw: String) async throws -> VoiceRecord {
        guard let voice = try await visibleVoice(id: raw) else {
            throw HTTPProblem(
                code: ProblemCode.voiceNotFound, title: "Not found", status: 404,
                detail: "There is no saved voice '\(raw.prefix(64))'; list voices with GET /api/voices.")
        }
        return voice
    }
}
