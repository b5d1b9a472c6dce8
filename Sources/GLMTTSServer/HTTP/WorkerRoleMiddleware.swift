import GLMTTSEngine
import Hummingbird

/// On a node started with `--role worker`: answers only `/health`, `/ready` and `/metrics`;
/// every other request gets a 404 that says where to send it. A worker runs jobs that API
/// nodes queued in the shared store; it serves no API of its own.
struct WorkerRoleMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The paths a worker answers.
    static var servedPaths: Set<String> { ["/health", "/ready", "/metrics"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.servedPaths.contains(request.uri.path) else {
            throw HTTPProblem(
                code: ProblemCode.serverWorkerOnly, title: "Worker node", status: 404,
                detail:
                    "This node is a synthesis worker (glmtts serve --role worker): it runs queued jobs and answers only /health, /ready and /metrics. Send API requests to an API node (--role api or all)."
            )
        }
        return try await next(request, context)
    }
}
