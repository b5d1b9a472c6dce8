import Foundation
import Hummingbird
import Logging

/// Answers every error thrown inside it with the one problem shape (`ProblemMapper`
/// decides which problem; `HTTPProblem.render` writes it, in OpenAI's shape under `/v1/`),
/// logs it, and notes its code for the metrics. A `413` also closes the connection, since
/// the rest of the body is not read.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let info = RequestInfo.current
            var problem = ProblemMapper.problem(for: error)
            if problem.statusCode == 415 { problem = .unsupportedMediaType(info.contentType) }
            log(error, problem: problem, requestID: info.requestID)
            let labels = info.labels
            labels.problem = (problem.code, problem.statusCode)
            var response = problem.render(requestID: info.requestID, openAI: info.isOpenAI)
            if problem.statusCode == 413 { response.headers[.connection] = "close" }
            return response
        }
    }

    private func log(_ error: any Error, problem: HTTPProblem, requestID: String) {
        logger.debug("request refused", metadata: ["request_id": "\(requestID)", "error": "\(String(reflecting: error).prefix(800))"])
        if problem.statusCode >= 500 {
            logger.error("request failed", metadata: ["request_id": "\(requestID)", "error": "\(String(describing: error).prefix(500))"])
        }
    }
}
