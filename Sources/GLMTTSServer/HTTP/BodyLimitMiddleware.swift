import Hummingbird

/// Refuses request bodies over the limit with `413`: at once when `Content-Length` says so,
/// else while the body streams (`LimitedRequestBody`), so an oversized upload is never
/// buffered whole.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Largest body accepted (the upload limit plus room for the other form fields).
    let maxBodyBytes: Int
    /// The configured upload limit, named in "too large" answers.
    let maxUploadBytes: Int

    /// The limit for `path`: `/mcp` carries audio as base64 (4 bytes per 3), so it may be a
    /// third larger.
    func limit(for path: String) -> Int {
        path == MCPHTTPEndpoint.path ? maxBodyBytes + maxUploadBytes / 3 + 4 : maxBodyBytes
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let maxBodyBytes = limit(for: request.uri.path)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw HTTPProblem.tooLarge(limit: maxUploadBytes)
        }
        let body = LimitedRequestBody(base: request.body, limit: maxBodyBytes, reportedLimit: maxUploadBytes)
        return try await next(Request(head: request.head, body: RequestBody(asyncSequence: body)), context)
    }
}
