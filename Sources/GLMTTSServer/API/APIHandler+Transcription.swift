import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// `POST /api/transcribe`: speech to text with the default recognizer, as a queued job
    /// (multipart `file` + `language`, or the raw audio as the body). The answer says
    /// whether the transcript passes the reliability rules and, if not, why.
    func transcribeAudio(_ input: Operations.TranscribeAudio.Input) async throws -> Operations.TranscribeAudio.Output {
        var language = input.query.language
        let audio: Data
        switch input.body {
        case let .multipartForm(parts):
            var fields = FormFields(maxValueBytes: 1024, maxFileBytes: dependencies.configuration.maxUploadBytes)
            for try await part in parts {
                switch part {
                case let .file(p): try await fields.addFile("file", p.payload.body, filename: p.filename)
                case let .language(p): try await fields.addValue("language", p.payload.body)
                case let .undocumented(raw): try await fields.addUnknown(raw)
                }
            }
            guard let file = fields.file else {
                throw HTTPProblem.invalid(
                    ProblemCode.requestMissingField, "'file' is required: upload the audio to transcribe.", field: "file")
            }
            audio = file.data
            language = fields.string("language") ?? language
        case let .binary(body), let .audio_Ast_(body):
            audio = try await FormFields.collect(body, upTo: dependencies.configuration.maxUploadBytes, field: "body")
        }
        let (_, result) = try await transcribe(audio, language: language, requireReliable: false)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(APIModels.transcript(result))))
    }

    /// Runs a transcription job over `audio` and waits for it.
    func transcribe(_ audio: Data, language: String?, requireReliable: Bool) async throws -> (JobRecord, TranscriptionJobResult) {
        guard !audio.isEmpty else {
            throw HTTPProblem.invalid(ProblemCode.audioEmpty, "The uploaded audio is empty.", field: "file")
        }
        let spec = TranscriptionJobSpec(language: try Self.transcriptionLanguage(language), requireReliable: requireReliable)
        let job = try await submit(makeJob(.transcription(spec)), upload: audio)
        let final = try await waitForEnd(of: job.id)
        try Self.requireCompleted(final)
        guard let result = final.result?.transcription else {
            throw HTTPProblem(
                JobProblem(
                    code: ProblemCode.internalError, title: "Internal error", category: .internalFailure,
                    detail: "The transcription ended without a transcript."))
        }
        return (final, result)
    }

    /// The language a transcription request names, lower-cased (nil when absent or blank); a
    /// 422 naming `language` unless it is a code such as `en`, `zh` or `pt-BR`.
    static func transcriptionLanguage(_ language: String?) throws -> String? {
        guard let code = language?.trimmingCharacters(in: .whitespaces).lowercased(), !code.isEmpty else { return nil }
        guard (2...12).contains(code.count), code.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" }) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'language' must be a language code such as en or zh.", field: "language")
        }
        return code
    }

    /// `POST /api/reference/inspect`: the quality report of a reference clip (duration,
    /// speech, level, clipping, noise, warnings), judged as synthesis would judge it.
    func inspectReference(_ input: Operations.InspectReference.Input) async throws -> Operations.InspectReference.Output {
        guard case let .multipartForm(parts) = input.body else { throw HTTPProblem.unsupportedMediaType() }
        var fields = FormFields(maxValueBytes: 1024, maxFileBytes: dependencies.configuration.maxUploadBytes)
        for try await part in parts {
            switch part {
            case let .file(p): try await fields.addFile("file", p.payload.body, filename: p.filename)
            case let .undocumented(raw): try await fields.addUnknown(raw)
            }
        }
        guard let file = fields.file, !file.data.isEmpty else {
            throw HTTPProblem.invalid(ProblemCode.requestMissingField, "'file' is required: upload the reference clip.", field: "file")
        }
        let prepared = try await dependencies.pipeline.prepareReference(file.data, sampleRate: nil)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(APIModels.quality(prepared.report))))
    }
}
