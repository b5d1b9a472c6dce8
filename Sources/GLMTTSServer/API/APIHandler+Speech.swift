import Foundation
import GLMTTSAPI
import GLMTTSEngine
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
            form = try SpeechForm(urlEncoded: body, maxValueBytes: dependencies.configuration.textLimits.maxInputBytes)
        case let .json(body):
            form = SpeechForm(json: body)
        }
        let spec = try await form.spec(dependencies: dependencies)
        let job = try await submit(makeJob(.synthesis(spec)), upload: form.promptAudio?.data)

        let preferAsync = input.headers.prefer?.lowercased().contains("respond-async") ?? false
        if preferAsync || form.async == true {
            return .accepted(
                .init(
                    headers: .init(xRequestId: RequestInfo.current.requestID, location: "/api/tts/\(job.id.rawValue)"),
                    body: .json(await accepted(job))))
        }
        let final = try await waitForEnd(of: job.id)
        try Self.requireCompleted(final)
        return .ok(try await audioResponse(final, format: nil))
    }

    /// Reads the parts of a `POST /api/tts` multipart body.
    private func collectSpeechParts(_ parts: MultipartBody<Operations.CreateSpeech.Input.Body.MultipartFormPayload>) async throws
        -> FormFields
    {
        var fields = FormFields(
            maxValueBytes: dependencies.configuration.textLimits.maxInputBytes,
            maxFileBytes: dependencies.configuration.maxUploadBytes)
        for try await part in parts {
            switch part {
            case let .text(p): try await fields.addValue(SpeechField.text.rawValue, p.payload.body)
            case let .promptAudio(p): try await fields.addFile(SpeechField.promptAudio.rawValue, p.payload.body, filename: p.filename)
            case let .voiceId(p): try await fields.addValue(SpeechField.voiceID.rawValue, p.payload.body)
            case let .promptText(p): try await fields.addValue(SpeechField.promptText.rawValue, p.payload.body)
            case let .temperature(p): try await fields.addValue(SpeechField.temperature.rawValue, p.payload.body)
            case let .topP(p): try await fields.addValue(SpeechField.topP.rawValue, p.payload.body)
            case let .topK(p): try await fields.addValue(SpeechField.topK.rawValue, p.payload.body)
            case let .samplingStrategy(p): try await fields.addValue(SpeechField.samplingStrategy.rawValue, p.payload.body)
            case let .skipWhisper(p): try await fields.addValue(SpeechField.skipWhisper.rawValue, p.payload.body)
            case let .seed(p): try await fields.addValue(SpeechField.seed.rawValue, p.payload.body)
            case let .speed(p): try await fields.addValue(SpeechField.speed.rawValue, p.payload.body)
            case let .format(p): try await fields.addValue(SpeechField.format.rawValue, p.payload.body)
            case let .model(p): try await fields.addValue(SpeechField.model.rawValue, p.payload.body)
            case let .async(p): try await fields.addValue(SpeechField.async.rawValue, p.payload.body)
            case let .language(p): try await fields.addValue(SpeechField.language.rawValue, p.payload.body)
            case let .voiceMatch(p): try await fields.addValue(SpeechField.voiceMatch.rawValue, p.payload.body)
            case let .verify(p): try await fields.addValue(SpeechField.verify.rawValue, p.payload.body)
            case let .undocumented(raw): try await fields.addUnknown(raw)
            }
        }
        return fields
    }
}
