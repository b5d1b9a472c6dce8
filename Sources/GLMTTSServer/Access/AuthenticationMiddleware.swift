import Foundation
import GLMTTSEngine
import GLMTTSService
import HTTPTypes
import OpenAPIRuntime

/// Authenticates the bearer key of requests that need one (`AccessPolicy`) and makes its
/// principal `RequestInfo.current.principal` for everything inside (open until then). No
/// key, or a bad one, is `401` with `WWW-Authenticate: Bearer`.
struct AuthenticationMiddleware: ServerMiddleware {
    let policy: AccessPolicy
    let keys: any APIKeyStore
    let usage: KeyUsageRecorder

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var info = RequestInfo.current
        guard case let .key(becauseForwarded) = policy.requirement(for: operationID, request, clientAddress: info.clientAddress) else {
            return try await next(request, body, metadata)
        }
        info.principal = try await authenticate(request, forwarded: becauseForwarded)
        let labels = info.labels
        labels.keyID = info.principal.keyID
        return try await RequestInfo.$current.withValue(info) {
            try await next(request, body, metadata)
        }
    }

    /// The principal of the request's bearer key; a `401` problem when it has none or a bad
    /// one. `forwarded`: keys are asked for only because the request came through a proxy.
    private func authenticate(_ request: HTTPRequest, forwarded: Bool) async throws -> Principal {
        guard let header = request.headerFields[.authorization], header.lowercased().hasPrefix("bearer "),
            case let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces), !token.isEmpty
        else {
            let detail =
                forwarded
                ? "This request came through a proxy (it carries X-Forwarded-For, Forwarded or X-Real-IP), so it needs an API key even though the server runs without keys for local clients: send 'Authorization: Bearer <key>'. An admin creates keys with `glmtts keys create`; a server behind a proxy should run with GLMTTS_AUTH=keys."
                : "This server requires an API key: send 'Authorization: Bearer <key>'. An admin creates keys with `glmtts keys create`."
            throw Self.unauthorized(HTTPProblem(code: ProblemCode.authRequired, title: "Unauthorized", status: 401, detail: detail))
        }
        guard let key = try await keys.authenticate(token) else {
            throw Self.unauthorized(
                HTTPProblem(
                    code: ProblemCode.authInvalid, title: "Unauthorized", status: 401,
                    detail: "The API key is not valid: it is malformed, unknown or revoked."))
        }
        await usage.touch(key.id)
        return Principal(key: key)
    }

    /// `problem` with the `WWW-Authenticate: Bearer` challenge.
    private static func unauthorized(_ problem: HTTPProblem) -> HTTPProblem {
        var problem = problem
        problem.headers[.wwwAuthenticate] = "Bearer realm=\"glmtts\""
        return problem
    }
}
