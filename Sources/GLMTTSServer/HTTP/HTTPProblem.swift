package import Foundation
import GLMTTSEngine
import GLMTTSService
import HTTPTypes
import Hummingbird

/// An HTTP failure in the one shape every client sees: RFC 9457 problem+json with a stable
/// `type`, or, under `/v1/`, OpenAI's `{"error": …}` so OpenAI SDKs can read it.
struct HTTPProblem: Error, HTTPResponseError, Sendable {
    /// Stable code; the problem `type` is `/problems/<code>`.
    var code: String
    /// Short summary.
    var title: String
    /// HTTP status code.
    var statusCode: Int
    /// What went wrong and what to do; never internals.
    var detail: String
    /// Seconds to wait, for 429 and 503.
    var retryAfter: Int?
    /// The request field at fault, if any (becomes `param` for OpenAI clients).
    var field: String?
    /// Headers the answer carries besides the problem (`WWW-Authenticate`, `RateLimit-*`).
    var headers = HTTPFields()

    init(code: String, title: String, status: Int, detail: String, retryAfter: Int? = nil, field: String? = nil) {
        self.code = code
        self.title = title
        self.statusCode = status
        self.detail = detail
        self.retryAfter = retryAfter
        self.field = field
    }

    init(_ problem: JobProblem) {
        self.init(
            code: problem.code, title: problem.title, status: problem.httpStatus, detail: problem.detail,
            retryAfter: problem.httpStatus == 503 ? 5 : nil)
    }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        render(requestID: RequestInfo.current.requestID, openAI: request.uri.path.hasPrefix("/v1/"))
    }

    /// The response for this problem.
    func render(requestID: String, openAI: Bool) -> Response {
        if openAI && statusCode == 422 {
            // OpenAI's API answers invalid parameters with 400, and its SDKs expect that.
            var asOpenAI = self
            asOpenAI.statusCode = 400
            return asOpenAI.encoded(requestID: requestID, openAI: true)
        }
        return encoded(requestID: requestID, openAI: openAI)
    }

    private func encoded(requestID: String, openAI: Bool) -> Response {
        var headers = self.headers
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body: Data
        if openAI {
            headers[.contentType] = "application/json"
            body =
                (try? JSONSerialization.data(
                    withJSONObject: [
                        "error": [
                            "message": detail, "type": openAIType, "param": field as Any? ?? NSNull(), "code": code,
                        ]
                    ], options: [.sortedKeys])) ?? Data()
        } else {
            headers[.contentType] = "application/problem+json"
            var document: [String: Any] = [
                "type": "/problems/\(code)", "title": title, "status": statusCode, "detail": detail,
                "request_id": requestID,
            ]
            if let field { document["errors"] = [["field": field, "message": detail]] }
            body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private var openAIType: String {
        switch statusCode {
        case 429: return "rate_limit_exceeded"
        case 400..<500: return "invalid_request_error"
        default: return "server_error"
        }
    }
}

extension HTTPProblem {
    /// A malformed request (400).
    static func badRequest(_ detail: String, field: String? = nil) -> HTTPProblem {
        HTTPProblem(code: ProblemCode.requestMalformed, title: "Bad request", status: 400, detail: detail, field: field)
    }

    /// A well-formed request with unusable content (422).
    static func invalid(_ code: String, _ detail: String, field: String? = nil) -> HTTPProblem {
        HTTPProblem(code: code, title: "Invalid input", status: 422, detail: detail, field: field)
    }

    /// Something named does not exist (404).
    static func notFound(_ what: String) -> HTTPProblem {
        HTTPProblem(code: ProblemCode.notFound, title: "Not found", status: 404, detail: what)
    }

    /// The body is larger than allowed (413).
    static func tooLarge(limit: Int) -> HTTPProblem {
        let size = limit >= 1_048_576 ? String(format: "%.3g MiB", Double(limit) / 1_048_576) : "\(limit) bytes"
        return HTTPProblem(
            code: ProblemCode.requestTooLarge, title: "Content too large", status: 413,
            detail:
                "The request body is larger than this server accepts (uploads up to \(size); see GET /api/limits). Send a shorter clip or compress it (MP3, Opus)."
        )
    }

    /// The body's media type is not one the operation accepts (415).
    static func unsupportedMediaType(_ got: String? = RequestInfo.current.contentType) -> HTTPProblem {
        HTTPProblem(
            code: ProblemCode.requestUnsupportedMediaType, title: "Unsupported media type", status: 415,
            detail:
                "This endpoint does not accept \(got.map { "'\($0)'" } ?? "a body without Content-Type"); see /docs for the content types it takes."
        )
    }

    /// The problem that describes any error thrown while handling a request.
    static func from(_ error: any Error) -> HTTPProblem {
        if let problem = error as? HTTPProblem { return problem }
        if let full = error as? QueueFullError {
            return HTTPProblem(
                code: full.code, title: "Too many requests", status: 429, detail: full.message,
                retryAfter: full.retryAfterSeconds)
        }
        var problem = HTTPProblem(JobProblem(error))
        if case let .outOfRange(parameter, _, _)? = error as? ParameterError { problem.field = parameter.rawValue }
        return problem
    }
}
