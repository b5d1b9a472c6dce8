import Foundation
import HTTPTypes
import Hummingbird
import MCP
import OpenAPIRuntime

/// `POST /mcp`: the MCP server over streamable HTTP, in its stateless form (one JSON
/// answer per POST; no session, no server-sent stream, so `GET` and `DELETE` are `405`).
///
/// Every request passes the access middlewares of the OpenAPI operations as operation
/// `mcp` (`read` scope; `synthesize` and `transcribe` check `synthesize` themselves), so keys,
/// scopes, rate limits, the open-mode Host/Origin guard and the concurrency caps apply as
/// to any other operation. Each request gets its own SDK `Server` and transport, bound to
/// that request's caller, so two clients can never receive each other's answers.
enum MCPHTTPEndpoint {
    /// The endpoint's path.
    static let path = "/mcp"
    /// The operation id the access middlewares see.
    static let operationID = "mcp"

    /// The largest MCP message (HTTP body or stdio line): the request body limit, plus a
    /// third of the upload limit because audio comes as base64.
    static func bodyLimit(_ configuration: ServerConfiguration) -> Int {
        BodyLimitMiddleware<ServerRequestContext>(
            maxBodyBytes: configuration.maxRequestBodyBytes, maxUploadBytes: configuration.maxUploadBytes
        )
        .limit(for: path)
    }

    /// Adds the endpoint to `router`, behind `middlewares`.
    static func add(
        to router: Router<ServerRequestContext>, handler: APIHandler, middlewares: [any ServerMiddleware], bodyLimit: Int
    ) {
        let chain = ServerMiddlewareChain(middlewares: middlewares)
        let files = MCPFileFolder(
            root: handler.dependencies.configuration.mcpFilesDirectory, maxBytes: handler.dependencies.configuration.maxUploadBytes)
        for method in [HTTPRequest.Method.post, .get, .delete] {
            router.on(RouterPath(path), method: method) { request, _ in
                let collected = try await request.body.collect(upTo: bodyLimit)
                let (head, body) = try await chain.run(request.head, body: HTTPBody(Array(buffer: collected)), operationID: operationID) {
                    head, body in
                    let bytes = try await Data(collecting: body ?? HTTPBody(), upTo: bodyLimit)
                    let toolbox = MCPToolbox(handler: handler, request: RequestInfo.current, files: files)
                    let answer = try await answer(head, body: bytes, toolbox: toolbox)
                    return (answer.head, answer.body.map { HTTPBody($0) })
                }
                var responseBody = Data()
                if let body { responseBody = try await Data(collecting: body, upTo: .max) }
                return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: responseBody)))
            }
        }
    }

    /// The MCP answer to one HTTP request, from a server made for it.
    private static func answer(_ head: HTTPRequest, body: Data, toolbox: MCPToolbox) async throws -> (head: HTTPResponse, body: Data?) {
        var headers: [String: String] = [:]
        for field in head.headerFields { headers[field.name.canonicalName] = field.value }
        let request = MCP.HTTPRequest(method: head.method.rawValue, headers: headers, body: body, path: head.path)
        // Origin and Host are checked by the access middlewares (open mode refuses foreign
        // pages); keys guard the rest, as for every operation.
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                OriginValidator.disabled, ContentTypeValidator(), ProtocolVersionValidator(),
            ]))
        let server = await MCPServerFactory.server(toolbox)
        try await server.start(transport: transport)
        let response = await transport.handleRequest(request)
        await server.stop()
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return (HTTPResponse(status: .init(code: response.statusCode), headerFields: fields), response.bodyData)
    }
}
