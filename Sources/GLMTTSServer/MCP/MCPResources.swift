import Foundation
import GLMTTSEngine
import GLMTTSService
import MCP

/// The MCP resources: the saved voices the caller may use (`glmtts://voices/<id>`, their
/// description as JSON) and the audio of finished synthesis jobs
/// (`glmtts://jobs/<id>/audio`, in the format it was made in). Ownership is the HTTP
/// API's: a key sees its own voices and jobs, admins and open mode see all.
enum MCPResources {
    /// The URI of job `id`'s audio.
    static func audioURI(of id: JobID) -> String { "glmtts://jobs/\(id.rawValue)/audio" }

    /// The URI of saved voice `id`.
    static func voiceURI(of id: String) -> String { "glmtts://voices/\(id)" }

    /// The URI templates `resources/templates/list` offers.
    static let templates = [
        Resource.Template(
            uriTemplate: "glmtts://jobs/{job_id}/audio", name: "job-audio", title: "Speech of a job",
            description: "The audio of a finished synthesis job (ids come from the synthesize tool)."),
        Resource.Template(
            uriTemplate: "glmtts://voices/{voice_id}", name: "voice", title: "Saved voice",
            description: "A saved voice: its name, reference text, duration and clip quality.", mimeType: "application/json"),
    ]

    /// The saved voices `toolbox`'s caller may use.
    static func list(_ toolbox: MCPToolbox) async throws -> ListResources.Result {
        try toolbox.checkScope(.read)
        let principal = toolbox.request.principal
        let voices = try await toolbox.handler.dependencies.voices.allVoices().filter { principal.canSee(owner: $0.owner) }
        return ListResources.Result(
            resources: voices.map { voice in
                Resource(
                    name: voice.name, uri: voiceURI(of: voice.id),
                    description: "Saved voice '\(voice.name)'; use voice_id \(voice.id) with synthesize.",
                    mimeType: "application/json")
            })
    }

    /// The contents of `uri`; a JSON-RPC error `-32002` (resource not found) naming our
    /// problem code when it is not one of ours or not visible to the caller.
    static func read(_ uri: String, _ toolbox: MCPToolbox) async throws -> ReadResource.Result {
        try toolbox.checkScope(.read)
        return try await RequestInfo.$current.withValue(toolbox.request) {
            let parts =
                uri.hasPrefix("glmtts://") ? uri.dropFirst("glmtts://".count).split(separator: "/", omittingEmptySubsequences: false) : []
            if parts.count == 3, parts[0] == "jobs", parts[2] == "audio" {
                let job: JobRecord
                do { job = try await toolbox.handler.job(String(parts[1])) } catch { throw notFound(uri, error) }
                do {
                    let (audio, format, _) = try await toolbox.handler.audio(of: job, format: nil)
                    return ReadResource.Result(contents: [.binary(audio, uri: uri, mimeType: format.mimeType)])
                } catch {
                    throw notFound(uri, error)
                }
            }
            if parts.count == 2, parts[0] == "voices", let voice = try await toolbox.handler.visibleVoice(id: String(parts[1])) {
                let document = try MCPToolbox.value(APIModels.voice(voice))
                let text = String(decoding: try JSONEncoder().encode(document), as: UTF8.self)
                return ReadResource.Result(contents: [.text(text, uri: uri, mimeType: "application/json")])
            }
            throw notFound(uri, HTTPProblem.notFound("There is no resource '\(uri.prefix(128))'."))
        }
    }

    private static func notFound(_ uri: String, _ error: any Error) -> MCPError {
        let problem = ProblemMapper.problem(for: error)
        return MCPError.serverError(code: -32002, message: "Resource not found (\(problem.code)): \(problem.detail)")
    }
}
