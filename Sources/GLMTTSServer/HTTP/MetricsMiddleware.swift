import GLMTTSEngine
import Hummingbird

/// Counts every request in the metrics by OpenAPI operation, method and status, with its
/// duration, and every problem answered by its code.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let labels = RequestInfo.current.labels
        if let problem = labels.problem { metrics.problem(code: problem.code, status: problem.status) }
        metrics.request(
            operation: labels.reportedOperation(status: response.status), method: request.method.rawValue,
            status: response.status.code, seconds: (ContinuousClock.now - started).inSeconds)
        return response
    }
}
