import GLMTTSEngine
import MCP

/// Builds the MCP server (the Model Context Protocol Swift SDK's `Server`) over one
/// `MCPToolbox`: `tools/list`, `tools/call`, `resources/list`, `resources/read` and
/// `resources/templates/list`. Used by `glmtts mcp` (stdio, one server for the process)
/// and by `POST /mcp` (one server per HTTP request, for that request's caller).
package enum MCPServerFactory {
    /// What an agent is told about this server when it connects.
    static let instructions = """
        GLM-TTS Enhanced: text to speech (Chinese, English, Japanese and more) and speech recognition. \
        Use synthesize to speak text (pick a voice with list_voices or list_models), transcribe to turn audio into text, \
        job_status to follow a job. Audio results are also resources (glmtts://jobs/<id>/audio).
        """

    /// A server answering with `toolbox`, not yet started.
    static func server(_ toolbox: MCPToolbox) async -> Server {
        let server = Server(
            name: "glmtts", version: SystemProbe.version, title: "GLM-TTS Enhanced", instructions: instructions,
            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: MCPTool.allCases.map(\.definition)) }
        await server.withMethodHandler(CallTool.self) { call in try await toolbox.call(call.name, arguments: call.arguments) }
        await server.withMethodHandler(ListResources.self) { _ in try await protocolErrors { try await MCPResources.list(toolbox) } }
        await server.withMethodHandler(ReadResource.self) { read in
            try await protocolErrors { try await MCPResources.read(read.uri, toolbox) }
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: MCPResources.templates)
        }
        return server
    }

    /// Runs `body`, turning our problems into JSON-RPC errors that name the problem code
    /// (`-32000`, server error; an `MCPError` passes as it is).
    private static func protocolErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as MCPError {
            throw error
        } catch {
            let problem = ProblemMapper.problem(for: error)
            throw MCPError.serverError(code: -32000, message: "\(problem.title) (\(problem.code)): \(problem.detail)")
        }
    }
}
