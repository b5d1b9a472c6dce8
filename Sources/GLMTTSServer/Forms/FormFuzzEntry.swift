import Foundation
import GLMTTSAPI
import GLMTTSEngine
import HTTPTypes
@_spi(Generated) import OpenAPIRuntime

/// The one entry point of the `form` fuzz target (`scripts/fuzz form`, built only with
/// `GLMTTS_FUZZ=1`) and of the corpus replay test (`FuzzCorpusReplayTests`).
///
/// An input is a `Content-Type` value, a newline, then the request body. It is run as a
/// `POST /api/tts` request body is: through the OpenAPI runtime's `UniversalServer.handle`
/// (so errors are wrapped exactly as in the server) with `URLEncodedFormMiddleware` in
/// front, the runtime's content-type negotiation, its multipart parser and validator
/// (`multipart/form-data`: framing, part headers, `Content-Disposition`, required and
/// at-most-once parts), its URL-encoded form decoder or its JSON decoder, then our own
/// `FormFields` (limits, duplicates, UTF-8), `SpeechForm(fields:)` (numbers, booleans) and
/// `TextValidator` / `SpeechForm.referenceText` on the texts. Whatever it throws is turned
/// into the problem the server would answer (`ProblemMapper.problem(for:)`):
/// that must be a 4xx, never a 500 — a `precondition`, so the fuzzer reports it as a crash.
///
/// The multipart part decoding mirrors the generated `createSpeech` deserializer (the part
/// names, content types and requirements of `POST /api/tts`); reading the parts mirrors
/// `APIHandler.collectSpeechParts`. Nothing after validation (jobs, engines) runs.
package enum FormFuzzEntry {
    /// Most bytes of a text field and of the file field (small, as fuzz inputs are).
    static let maxValueBytes = 4_096
    static let maxFileBytes = 8_192

    /// What one input did.
    package enum Outcome: Equatable, Sendable {
        /// Parsed into a speech form with this many text fields and maybe a file.
        case parsed(fields: Int, file: Bool)
        /// Refused with this status and problem code.
        case refused(status: Int, code: String)
    }

    /// Text fields of `POST /api/tts` besides the file, by their form names.
    static let textFields = SpeechField.formValueNames

    /// Runs one input; traps when it would make the server answer anything but a 4xx problem
    /// or a parsed form.
    @discardableResult
    package static func run(_ input: [UInt8]) async -> Outcome {
        let newline = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.endIndex
        var typeBytes = input[..<newline]
        if typeBytes.last == UInt8(ascii: "\r") { typeBytes = typeBytes.dropLast() }
        let body = newline < input.endIndex ? Array(input[(newline + 1)...]) : []
        var headers = HTTPFields()
        if let value = String(validating: typeBytes, as: UTF8.self), !value.isEmpty {
            headers[.contentType] = value
        }
        let request = HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/api/tts", headerFields: headers)
        let server = UniversalServer(handler: Handler(), middlewares: [URLEncodedFormMiddleware()])
        do {
            let (response, responseBody) = try await server.handle(
                request: request, requestBody: HTTPBody(body), metadata: ServerRequestMetadata(),
                forOperation: "createSpeech", using: { $0.createSpeech },
                deserializer: { request, body, _ in try await deserialize(request, body) },
                serializer: { output, _ in (HTTPResponse(status: .ok), HTTPBody("\(output.fields) \(output.file)")) })
            precondition(response.status == .ok)
            let summary = try await String(collecting: responseBody ?? HTTPBody(), upTo: 64).split(separator: " ")
            return .parsed(fields: Int(summary.first ?? "") ?? -1, file: summary.last == "true")
        } catch {
            let problem = ProblemMapper.problem(for: error)
            precondition(
                (400..<500).contains(problem.statusCode),
                "a malformed form gave \(problem.statusCode) \(problem.code): \(problem.detail) — from \(String(reflecting: error))")
            return .refused(status: problem.statusCode, code: problem.code)
        }
    }

    /// One part of the multipart body, as the generated payload enum has them.
    enum Part: Sendable {
        case text(name: String, body: HTTPBody)
        case file(name: String, filename: String?, body: HTTPBody)
        case undocumented(MultipartRawPart)
    }

    enum Body: Sendable {
        case multipart(MultipartBody<Part>)
        case urlEncoded(Components.Schemas.TTSRequestForm)
        case json(Components.Schemas.TTSRequestJSON)
    }

    struct Parsed: Sendable {
        var fields: Int
        var file: Bool
    }

    /// The request body as the generated `createSpeech` deserializer reads it.
    static func deserialize(_ request: HTTPRequest, _ requestBody: HTTPBody?) async throws -> Body {
        let converter = Converter(configuration: .init())
        let contentType = converter.extractContentTypeIfPresent(in: request.headerFields)
        let chosen = try converter.bestContentType(
            received: contentType, options: ["multipart/form-data", "application/x-www-form-urlencoded", "application/json"])
        switch chosen {
        case "multipart/form-data":
            return try converter.getRequiredRequestBodyAsMultipart(
                MultipartBody<Part>.self, from: requestBody, transforming: { .multipart($0) },
                boundary: contentType.requiredBoundary(), allowsUnknownParts: true,
                requiredExactlyOncePartNames: ["text"], requiredAtLeastOncePartNames: [],
                atMostOncePartNames: Set(textFields.dropFirst() + ["prompt_audio"]), zeroOrMoreTimesPartNames: [],
                decoding: { part in
                    let headerFields = part.headerFields
                    let (name, filename) = try converter.extractContentDispositionNameAndFilename(in: headerFields)
                    switch name {
                    case "prompt_audio"?:
                        try converter.verifyContentTypeIfPresent(in: headerFields, matches: "*/*")
                        let body = try converter.getRequiredRequestBodyAsBinary(HTTPBody.self, from: part.body, transforming: { $0 })
                        return .file(name: "prompt_audio", filename: filename, body: body)
                    case let name? where textFields.contains(name):
                        try converter.verifyContentTypeIfPresent(in: headerFields, matches: "text/plain")
                        let body = try converter.getRequiredRequestBodyAsBinary(HTTPBody.self, from: part.body, transforming: { $0 })
                        return .text(name: name, body: body)
                    default:
                        return .undocumented(part)
                    }
                })
        case "application/x-www-form-urlencoded":
            return try await converter.getRequiredRequestBodyAsURLEncodedForm(
                Components.Schemas.TTSRequestForm.self, from: requestBody, transforming: { .urlEncoded($0) })
        case "application/json":
            return try await converter.getRequiredRequestBodyAsJSON(
                Components.Schemas.TTSRequestJSON.self, from: requestBody, transforming: { .json($0) })
        default:
            preconditionFailure("bestContentType chose \(chosen)")
        }
    }

    struct Handler: Sendable {
        func createSpeech(_ body: Body) async throws -> Parsed {
            let form: SpeechForm
            switch body {
            case let .multipart(parts):
                var fields = FormFields(maxValueBytes: maxValueBytes, maxFileBytes: maxFileBytes)
                for try await part in parts {
                    switch part {
                    case let .text(name, body): try await fields.addValue(name, body)
                    case let .file(name, filename, body): try await fields.addFile(name, body, filename: filename)
                    case let .undocumented(raw): try await fields.addUnknown(raw)
                    }
                }
                form = try SpeechForm(fields: fields)
            case let .urlEncoded(body):
                form = try SpeechForm(urlEncoded: body, maxValueBytes: maxValueBytes)
            case let .json(body):
                form = SpeechForm(json: body)
            }
            let limits = TextLimits(maxCharacters: 5_000, maxChunkCharacters: 300, maxInputBytes: maxValueBytes)
            if let text = form.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                _ = try TextValidator.prepare(text, limits: limits)
            }
            _ = try SpeechForm.referenceText(form.promptText, field: "prompt_text", limits: limits)
            let count = [form.text, form.voiceID, form.promptText, form.samplingStrategy, form.format, form.model]
                .compactMap { $0 }.count
            return Parsed(fields: count, file: form.promptAudio != nil)
        }
    }
}
