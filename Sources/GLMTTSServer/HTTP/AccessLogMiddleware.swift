import Foundation
import GLMTTSEngine
import Hummingbird
import Logging

/// Writes the access log line of every request when its response is ready: method, path
/// without query, status, duration, request id, operation, client and API key id — never
/// bodies, queries or credentials.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let info = RequestInfo.current
        var fields: Logger.Metadata = [
            "request_id": "\(info.requestID)", "method": "\(request.method.rawValue)", "path": "\(String(request.uri.path.prefix(200)))",
            "operation": "\(info.labels.reportedOperation(status: response.status))", "status": "\(response.status.code)",
            "ms": "\(String(format: "%.1f", (ContinuousClock.now - started).inSeconds * 1000))", "client": "\(info.clientAddress)",
        ]
        if let key = info.labels.keyID { fields["key_id"] = "\(key)" }
        logger.info("request", metadata: fields)
        return response
    }
}
