import Foundation
import GLMTTSCore
import OpenAPIRuntime

extension APIHandler {
    /// `POST /api/tts`: synthesise. By default waits and answers with the audio (as the
    /// reference product did); with `Prefer: respond-async` or `async=true`, answers
    /// `202` at once with the job's URLs.
    func createSpeech(_ input: Operations.CreateSpeech.Input) async throws -> Operations.CreateSpeech.Output {
        let form: SpeechForm
        switch input.body {
        case let .multipartForm(parts):
            form = try SpeechForm(fields: try await collectSpeechParts(parts))
        case let .urlEncodedForm(body):
            var fields = FormFields(maxValueBytes: context.configuration.textLimits.maxInputBytes, maxFileBytes: 0)
            for (name, value) in [("text", body.text), ("voice_id", body.voiceId), ("prompt_text", body.promptText),
                                  ("temperature", body.temperature), ("top_p", body.topP), ("top_k", body.topK),
                                  ("sampling_strategy", body.samplingStrategy), ("skip_whisper", body.skipWhisper),
                                  ("seed", body.seed), ("speed", body.speed), ("format", body.format),
                                  ("model", body.model), ("async", body.async)] {
                fields.setValue(name, value)
            }
            form = try SpeechForm(fields: fields)
        case let .json(body):
            form = Self.speechForm(text: body.text, voiceID: body.voiceId, promptText: body.promptText,
                                   temperature: body.temperature, topP: body.topP, topK: body.topK,
                                   samplingStrategy: body.samplingStrategy?.rawValue, skipWhisper: body.skipWhisper,
                                   seed: body.seed, speed: body.speed, format: body.format?.rawValue, model: body.model,
                                   async: body.async)
        }
        let spec = try await form.spec(context: context)
        let job = try await submit(context.makeJob(.synthesis(spec)), upload: form.promptAudio?.data)

        let preferAsync = input.headers.prefer?.lowercased().contains("respond-async") ?? false
        if preferAsync || form.async == true {
            return .accepted(.init(headers: .init(xRequestId: RequestInfo.current.requestID, location: "/api/tts/\(job.id.rawValue)"),
                                   body: .json(await accepted(job))))
        }
        let final = try await waitForEnd(of: job.id)
        try Self.requireCompleted(final)
        return .ok(try await audioResponse(final, format: nil))
    }

    /// Reads the parts of a `POST /api/tts` multipart body.
    private func collectSpeechParts(_ parts: MultipartBody<Operations.CreateSpeech.Input.Body.MultipartFormPayload>) async throws -> FormFields {
        var fields = FormFields(maxValueBytes: context.configuration.textLimits.maxInputBytes,
                                maxFileBytes: context.configuration.maxUploadBytes)
        for try await part in parts {
            switch part {
            case let .text(p): try await fields.addValue("text", p.payload.body)
            case let .promptAudio(p): try await fields.addFile("prompt_audio", p.payload.body, filename: p.filename)
            case let .voiceId(p): try await fields.addValue("voice_id", p.payload.body)
            case let .promptText(p): try await fields.addValue("prompt_text", p.payload.body)
            case let .temperature(p): try await fields.addValue("temperature", p.payload.body)
            case let .topP(p): try await fields.addValue("top_p", p.payload.body)
            case let .topK(p): try await fields.addValue("top_k", p.payload.body)
            case let .samplingStrategy(p): try await fields.addValue("sampling_strategy", p.payload.body)
            case let .skipWhisper(p): try await fields.addValue("skip_whisper", p.payload.body)
            case let .seed(p): try await fields.addValue("seed", p.payload.body)
            case let .speed(p): try await fields.addValue("speed", p.payload.body)
            case let .format(p): try await fields.addValue("format", p.payload.body)
            case let .model(p): try await fields.addValue("model", p.payload.body)
            case let .async(p): try await fields.addValue("async", p.payload.body)
            case let .undocumented(raw): try await fields.addUnknown(raw)
            }
        }
        return fields
    }

    /// A speech form from typed (JSON or URL-encoded) fields.
    static func speechForm(text: String, voiceID: String?, promptText: String?, temperature: Double?, topP: Double?,
                           topK: Int?, samplingStrategy: String?, skipWhisper: Bool?, seed: Int64?, speed: Double?,
                           format: String?, model: String?, async: Bool?) -> SpeechForm {
        var form = SpeechForm()
        form.text = text
        form.voiceID = voiceID
        form.promptText = promptText
        form.temperature = temperature
        form.topP = topP
        form.topK = topK.map(Int64.init)
        form.samplingStrategy = samplingStrategy
        form.skipWhisper = skipWhisper
        form.seed = seed
        form.speed = speed
        form.format = format
        form.model = model
        form.async = async
        return form
    }
}
