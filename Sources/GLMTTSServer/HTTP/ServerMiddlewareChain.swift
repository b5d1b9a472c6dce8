import HTTPTypes
import OpenAPIRuntime

/// Runs OpenAPI server middlewares (the access checks of `AccessControl`) around a
/// handler that is not an OpenAPI operation, as the generated routes do: the first
/// middleware is outermost, and each sees `operationID`.
struct ServerMiddlewareChain: Sendable {
    let middlewares: [any ServerMiddleware]

    /// `handle` behind every middleware, for a request to `operationID`.
    func run(
        _ request: HTTPRequest, body: HTTPBody?, operationID: String,
        handle: @escaping @Sendable (HTTPRequest, HTTPBody?) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?) = {
            request, body, _ in try await handle(request, body)
        }
        for middleware in middlewares.reversed() {
            let inner = next
            next = { request, body, metadata in
                try await middleware.intercept(request, body: body, metadata: metadata, operationID: operationID, next: inner)
            }
        }
        return try await next(request, body, ServerRequestMetadata())
    }
}
