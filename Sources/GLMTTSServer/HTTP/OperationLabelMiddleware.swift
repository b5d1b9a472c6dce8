import HTTPTypes
import OpenAPIRuntime

/// Notes the OpenAPI operation a request was routed to in `RequestInfo.current.labels`, for
/// the metrics and the access log. First of the OpenAPI middlewares, so refusals count too.
struct OperationLabelMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let labels = RequestInfo.current.labels
        labels.operation = operationID
        return try await next(request, body, metadata)
    }
}
