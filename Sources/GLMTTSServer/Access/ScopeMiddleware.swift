import GLMTTSEngine
import GLMTTSService
import HTTPTypes
import OpenAPIRuntime

/// Refuses with `403` a principal whose scope does not cover the operation's
/// (`OperationScopes`). Open mode's principal holds every scope.
struct ScopeMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let principal = RequestInfo.current.principal
        if let required = OperationScopes.required(for: operationID), !principal.scope.allows(required) {
            throw Self.forbidden(principal, needs: required, what: "operation")
        }
        return try await next(request, body, metadata)
    }

    /// The `403` for `principal`, whose scope does not cover `needs` (`what`: "operation", "tool").
    static func forbidden(_ principal: Principal, needs: APIKeyScope, what: String) -> HTTPProblem {
        HTTPProblem(
            code: ProblemCode.authForbidden, title: "Forbidden", status: 403,
            detail:
                "This API key has the '\(principal.scope.rawValue)' scope; this \(what) needs '\(needs.rawValue)'. Ask an admin for a key with that scope."
        )
    }
}
