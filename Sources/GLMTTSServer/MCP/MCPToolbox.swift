import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import MCP

/// What the MCP server does for one caller: runs the tools (`MCPTool`) and reads the
/// resources (`MCPResources`) through the same operations as HTTP (`APIHandler`: the
/// same queue, limits, quota, ownership and problem codes), as the principal of
/// `request` (the API key of an HTTP call; open for stdio).
///
/// A tool that fails answers a result with `isError: true`, its text naming our problem
/// code, and `structuredContent.error` holding the problem (`code`, `title`, `status`,
/// `detail`, `field`) — so a model sees what went wrong and can correct its call. Only an
/// unknown tool is a JSON-RPC error (`-32602`).
struct MCPToolbox: Sendable {
    /// The operations shared with HTTP.
    let handler: APIHandler
    /// The caller, as the access middlewares saw it (for HTTP) or open (stdio).
    let request: RequestInfo
    /// Where `transcribe` may read files by name.
    let files: MCPFileFolder

    private var dependencies: ServerDependencies { handler.dependencies }

    /// Runs tool `name` with `arguments`.
    func call(_ name: String, arguments: [String: Value]?) async throws -> CallTool.Result {
        guard let tool = MCPTool(rawValue: name) else {
            throw MCPError.invalidParams(
                "Unknown tool '\(name.prefix(64))' (\(ProblemCode.mcpUnknownTool)); the tools are: \(MCPTool.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        return await RequestInfo.$current.withValue(request) {
            do {
                try checkScope(tool.requiredScope)
                let arguments = try MCPArguments(arguments, for: tool)
                switch tool {
                case .synthesize: return try await synthesize(arguments)
                case .transcribe: return try await transcribe(arguments)
                case .listVoices: return try await listVoices()
                case .listModels: return try await listModels()
                case .jobStatus: return try await jobStatus(arguments)
                }
            } catch {
                return Self.failure(error, logger: dependencies)
            }
        }
    }

    /// Refuses a key whose scope does not cover `scope` (HTTP lets `read` keys in).
    func checkScope(_ scope: APIKeyScope) throws {
        guard request.principal.scope.allows(scope) else {
            throw ScopeMiddleware.forbidden(request.principal, needs: scope, what: "tool")
        }
    }

    // MARK: Tools

    private func synthesize(_ arguments: MCPArguments) async throws -> CallTool.Result {
        var form = SpeechForm()
        form.text = try arguments.string("text")
        form.voiceID = try arguments.string("voice_id")
        form.model = try arguments.string("model")
        form.language = try arguments.string("language")
        form.format = try arguments.string("format") ?? OutputFormat.mp3.rawValue
        form.speed = try arguments.number("speed")
        form.seed = try arguments.integer("seed")
        let spec = try await form.spec(dependencies: dependencies)
        let job = try await handler.submit(handler.makeJob(.synthesis(spec)), upload: nil)
        let final = try await handler.waitForEnd(of: job.id)
        guard final.status.isFinal else { return try await unfinished(final) }
        try APIHandler.requireCompleted(final)
        let (audio, format, result) = try await handler.audio(of: final, format: nil)
        let resource = MCPResources.audioURI(of: final.id)
        let summary: [String: Value] = [
            "job_id": .string(final.id.rawValue), "status": "completed", "model": .string(result.model),
            "format": .string(format.rawValue), "duration_seconds": .double(APIModels.finite(result.durationSeconds)),
            "audio_bytes": .int(audio.count), "resource_uri": .string(resource), "audio_url": .string("/api/tts/\(final.id)/audio"),
            "status_url": .string("/api/tts/\(final.id)"),
        ]
        let seconds = String(format: "%.1f", result.durationSeconds)
        return CallTool.Result(
            content: [
                .audio(data: audio.base64EncodedString(), mimeType: format.mimeType),
                .resourceLink(
                    uri: resource, name: "speech-\(final.id).\(format.fileExtension)", title: "Synthesised speech",
                    description: "\(seconds) s of speech by \(result.model)", mimeType: format.mimeType),
                .text(
                    "Spoke \(seconds) s of audio with \(result.model) (\(format.rawValue), job \(final.id)); also at /api/tts/\(final.id)/audio on the HTTP server."
                ),
            ],
            structuredContent: .object(summary))
    }

    private func transcribe(_ arguments: MCPArguments) async throws -> CallTool.Result {
        let limit = dependencies.configuration.maxUploadBytes
        let audio: Data
        switch (arguments.has("audio"), arguments.has("file")) {
        case (true, false): audio = try arguments.bytes("audio", limit: limit) ?? Data()
        case (false, true): audio = try files.read(try arguments.string("file") ?? "")
        case (true, true):
            throw HTTPProblem.invalid(ProblemCode.requestConflictingFields, "Give either 'audio' or 'file', not both.", field: "file")
        case (false, false):
            throw HTTPProblem.invalid(
                ProblemCode.requestMissingField, "Give the audio to transcribe: base64 in 'audio', or 'file' inside the MCP folder.",
                field: "audio")
        }
        let (job, result) = try await handler.transcribe(audio, language: try arguments.string("language"), requireReliable: false)
        let transcript = try Self.value(APIModels.transcript(result))
        return CallTool.Result(
            content: [.text(result.transcript.text)],
            structuredContent: .object(["job_id": .string(job.id.rawValue), "transcript": transcript]))
    }

    private func listVoices() async throws -> CallTool.Result {
        guard case let .ok(ok) = try await handler.listVoices(.init()), case let .json(list) = ok.body else {
            throw Self.unexpected
        }
        let lines = list.voices.map { "\($0.id): \($0.name)" }
        return try CallTool.Result(
            content: [
                .text(lines.isEmpty ? "No saved voices yet; save one with POST /api/voices or the web UI." : lines.joined(separator: "\n"))
            ],
            structuredContent: try Self.value(list))
    }

    private func listModels() async throws -> CallTool.Result {
        guard case let .ok(ok) = try await handler.listEngines(.init()), case let .json(list) = ok.body else { throw Self.unexpected }
        let lines = list.engines.map { "\($0.id) (\($0.kind.rawValue), \($0.languages.joined(separator: ", ")))" }
        return try CallTool.Result(content: [.text(lines.joined(separator: "\n"))], structuredContent: try Self.value(list))
    }

    private func jobStatus(_ arguments: MCPArguments) async throws -> CallTool.Result {
        guard let id = try arguments.string("job_id") else {
            throw HTTPProblem.invalid(ProblemCode.requestMissingField, "'job_id' is required.", field: "job_id")
        }
        guard case let .ok(ok) = try await handler.getJob(.init(path: .init(taskId: id))), case let .json(job) = ok.body else {
            throw Self.unexpected
        }
        return try CallTool.Result(content: [.text("Job \(job.id) is \(job.status.rawValue).")], structuredContent: try Self.value(job))
    }

    /// A synthesis still queued or running when the server stopped waiting: its id, to ask again.
    private func unfinished(_ job: JobRecord) async throws -> CallTool.Result {
        let position = job.status == .queued ? try await dependencies.jobs.queuePosition(of: job.id) : nil
        return try CallTool.Result(
            content: [
                .text(
                    "Job \(job.id) is still \(job.status.rawValue); call job_status with job_id \(job.id) and read \(MCPResources.audioURI(of: job.id)) when it completes."
                )
            ],
            structuredContent: try Self.value(APIModels.job(job, queuePosition: position)))
    }

    // MARK: Helpers

    /// A JSON value of `encodable` as the HTTP API writes it (ISO 8601 dates).
    static func value(_ encodable: some Encodable) throws -> Value {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try JSONDecoder().decode(Value.self, from: try encoder.encode(encodable))
    }

    private static let unexpected = HTTPProblem(
        code: ProblemCode.internalError, title: "Internal error", status: 500, detail: "The operation answered in an unexpected shape.")

    /// The tool result for a failure: our problem, as text and as `structuredContent.error`.
    static func failure(_ error: any Error, logger dependencies: ServerDependencies) -> CallTool.Result {
        let problem = ProblemMapper.problem(for: error)
        if problem.statusCode >= 500 {
            dependencies.logger.error("MCP tool failed", metadata: ["code": "\(problem.code)", "error": "\(error)"])
        }
        var document: [String: Value] = [
            "code": .string(problem.code), "title": .string(problem.title), "status": .int(problem.statusCode),
            "detail": .string(problem.detail),
        ]
        if let field = problem.field { document["field"] = .string(field) }
        return CallTool.Result(
            content: [.text("\(problem.title) (\(problem.code)): \(problem.detail)")],
            structuredContent: .object(["error": .object(document)]),
            isError: true)
    }
}
