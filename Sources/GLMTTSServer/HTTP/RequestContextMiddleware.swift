import Foundation
import GLMTTSEngine
import GLMTTSService
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// First middleware of every request: assigns the request id (the client's sane
/// `X-Request-Id`, else a random one) and echoes it; refuses bodies over the upload limit
/// (by `Content-Length` at once, else while streaming); turns every error into the one
/// problem shape; ignores `Accept` (formats are chosen by parameters); records the
/// request in the metrics (by OpenAPI operation and status); and writes the access log line
/// (method, path without query, status, duration, request id, operation, API key id; never
/// bodies, queries or credentials).
struct RequestContextMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    /// Largest body accepted (the upload limit plus room for the other form fields).
    let maxBodyBytes: Int
    /// The configured upload limit, named in "too large" answers.
    let maxUploadBytes: Int
    let logger: Logger
    let metrics: ServiceMetrics
    /// Peers whose `X-Forwarded-For` is believed.
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = RequestInfo.acceptableClientID(request.headers[.xRequestID]) ?? RandomIdentifier.hex(bytes: 12)
        let info = RequestInfo(requestID: requestID, path: request.uri.path,
                               contentType: request.headers[.contentType].map { String($0.prefix(100)) },
                               clientAddress: clientAddress(request, context: context))
        var response: Response
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
                throw HTTPProblem.tooLarge(limit: maxUploadBytes)
            }
            // Response types are chosen by `format`/`response_format`, never negotiated: clients
            // such as OpenAI's send `Accept: application/octet-stream` for audio, which the
            // generated code would otherwise refuse with 406.
            var head = request.head
            head.headerFields[.accept] = nil
            // A reconnecting EventSource sends back the id it saw; anything else is ignored.
            if let last = head.headerFields[.lastEventID], Int(last) == nil { head.headerFields[.lastEventID] = nil }
            let limited = Request(head: head, body: RequestBody(asyncSequence: LimitedRequestBody(base: request.body, limit: maxBodyBytes, reportedLimit: maxUploadBytes)))
            response = try await RequestInfo.$current.withValue(info) {
                try await next(limited, context)
            }
        } catch {
            var problem = Self.problem(for: error)
            if problem.statusCode == 415 { problem = .unsupportedMediaType(info.contentType) }
            logger.debug("request refused", metadata: ["request_id": "\(requestID)", "error": "\(String(reflecting: error).prefix(800))"])
            if problem.statusCode >= 500 {
                logger.error("request failed", metadata: ["request_id": "\(requestID)", "error": "\(String(describing: error).prefix(500))"])
            }
            metrics.problem(code: problem.code, status: problem.statusCode)
            response = problem.render(requestID: requestID, openAI: info.isOpenAI)
            if problem.statusCode == 413 { response.headers[.connection] = "close" }
        }
        response.headers[.xRequestID] = requestID
        // Every answer is what its Content-Type says: browsers must not guess HTML from a
        // JSON string or an upload that echoes a client's text.
        response.headers[.xContentTypeOptions] = "nosniff"
        // The generated code percent-encodes header values (OpenAPI "simple" style); these two
        // carry only server-made text (paths, our file names) and must reach clients verbatim.
        for name in [HTTPField.Name.location, .contentDisposition] {
            if let value = response.headers[name], let decoded = value.removingPercentEncoding { response.headers[name] = decoded }
        }
        let seconds = (ContinuousClock.now - started).inSeconds
        let operation = info.labels.operation ?? (response.status == .notFound ? "not_found" : "static")
        metrics.request(operation: operation, method: request.method.rawValue, status: response.status.code, seconds: seconds)
        var fields: Logger.Metadata = [
            "request_id": "\(requestID)", "method": "\(request.method.rawValue)", "path": "\(String(request.uri.path.prefix(200)))",
            "operation": "\(operation)", "status": "\(response.status.code)", "ms": "\(String(format: "%.1f", seconds * 1000))",
            "client": "\(info.clientAddress)",
        ]
        if let key = info.labels.keyID { fields["key_id"] = "\(key)" }
        logger.info("request", metadata: fields)
        return response
    }

    /// The peer's address; behind a trusted proxy, the last `X-Forwarded-For` hop that is not
    /// itself a trusted proxy.
    func clientAddress(_ request: Request, context: Context) -> String {
        guard let peer = context.remoteAddress?.ipAddress else { return "unknown" }
        guard trustedProxies.contains(peer), let forwarded = request.headers[.xForwardedFor] else { return peer }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last(where: { !trustedProxies.contains($0) }).map { String($0.prefix(64)) } ?? peer
    }

    /// The problem for any error thrown while handling a request.
    static func problem(for error: any Error) -> HTTPProblem {
        var current: any Error = error
        for _ in 0..<6 {
            if let problem = current as? HTTPProblem { return problem }
            if current is QueueFullError || current is JobProblem || current is any GLMTTSError {
                return HTTPProblem.from(current)
            }
            if let decoding = current as? DecodingError {
                return Self.problem(for: decoding)
            }
            if let server = current as? ServerError {
                if let decoding = server.underlyingError as? DecodingError, Self.codingPath(of: decoding).isEmpty {
                    return Self.problem(forUnplaced: decoding, in: server.request)
                }
                if server.underlyingError is DecodingError || server.underlyingError is HTTPProblem
                    || server.underlyingError is any GLMTTSError || server.underlyingError is JobProblem
                    || server.underlyingError is QueueFullError || server.underlyingError is ServerError {
                    current = server.underlyingError
                    continue
                }
                let status = Int(server.httpStatus.code)
                if (400..<500).contains(status) {
                    let reason = ProblemDetailSanitizer.sanitize(String(server.causeDescription.prefix(300)))
                    if status == 415 { return .unsupportedMediaType(RequestInfo.current.contentType) }
                    return HTTPProblem(code: ProblemCode.requestMalformed, title: "Bad request", status: status,
                                       detail: "The request could not be read: \(reason). See /docs for this operation's format.")
                }
                current = server.underlyingError
                continue
            }
            if let http = current as? HTTPError {
                let status = Int(http.status.code)
                switch status {
                case 404: return HTTPProblem(code: ProblemCode.routeNotFound, title: "Not found", status: 404,
                                             detail: "There is no such endpoint; see /docs for the API.")
                case 405: return HTTPProblem(code: ProblemCode.routeMethodNotAllowed, title: "Method not allowed", status: 405,
                                             detail: "This endpoint does not accept that method; see /docs.")
                case 413: return HTTPProblem(code: ProblemCode.requestTooLarge, title: "Content too large", status: 413,
                                             detail: "The request body is larger than this server accepts.")
                default:
                    if (400..<500).contains(status) {
                        return HTTPProblem(code: ProblemCode.requestMalformed, title: "Bad request", status: status,
                                           detail: "The request could not be read (\(http.status.reasonPhrase)).")
                    }
                }
            }
            // The runtime's multipart and URL-form parsers and validator, and NIO's HTTP parser,
            // throw their own (internal) error types for malformed bodies: those are the
            // client's fault (`text=Hi&format`, a name without `=`, was a 500: found by fuzzing).
            let typeName = String(reflecting: type(of: current))
            if typeName.hasPrefix("OpenAPIRuntime.Multipart") || typeName.hasPrefix("OpenAPIRuntime.ParsingError")
                || typeName.hasPrefix("OpenAPIRuntime.URI") || typeName.contains("HTTPParserError") {
                let reason = ProblemDetailSanitizer.sanitize(String(String(describing: current).prefix(300)))
                if reason.hasPrefix("Missing required parts") || reason.contains("required part") {
                    return HTTPProblem(code: ProblemCode.requestMissingField, title: "Invalid input", status: 422,
                                       detail: "The form is incomplete: \(reason). See /docs for this operation's fields.")
                }
                return .badRequest("The request body is malformed: \(reason). See /docs for this operation's format.")
            }
            break
        }
        return HTTPProblem.from(current)
    }

    /// The coding path of a decoding error ("" when the decoder did not say).
    static func codingPath(of error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case let .keyNotFound(key, c): return (c.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): context = c
        @unknown default: return ""
        }
        return context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// A decoding error that does not say where: a query parameter or header when the request
    /// has no body, else the JSON body (Foundation reports a fraction given for a whole
    /// number as invalid JSON, so the message mentions both).
    static func problem(forUnplaced error: DecodingError, in request: HTTPRequest) -> HTTPProblem {
        let reason: String
        switch error {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): reason = c.debugDescription
        case let .keyNotFound(_, c): reason = c.debugDescription
        @unknown default: reason = "unreadable"
        }
        let cleaned = ProblemDetailSanitizer.sanitize(String(reason.prefix(200)))
        if request.method == .get || request.method == .delete {
            let query = request.path?.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
            let names = query.split(separator: "&").compactMap { $0.split(separator: "=").first.map(String.init) }
                .filter { $0.allSatisfy { $0.isLetter || $0 == "_" } }.prefix(8)
            let field = names.count == 1 ? names.first : nil
            return .invalid(ProblemCode.requestInvalidField,
                "A query parameter\(names.isEmpty ? "" : " (\(names.joined(separator: ", ")))") has a value that is not allowed: \(cleaned). See /docs for the allowed values.",
                field: field)
        }
        return .badRequest("The body is not valid JSON, or a value has the wrong type (for example a fraction where a whole number is expected, such as top_k or seed): \(cleaned). See /docs for the schema.")
    }

    /// A body that does not match the schema: 422 naming the field.
    static func problem(for error: DecodingError) -> HTTPProblem {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context):
            let field = (path(context).isEmpty ? "" : path(context) + ".") + key.stringValue
            return .invalid(ProblemCode.requestMissingField, "'\(field)' is required.", field: field)
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            let field = path(context)
            if field.isEmpty {
                return .invalid(ProblemCode.requestInvalidField, "The body has the wrong shape: it must be a JSON object as described in /docs.")
            }
            return .invalid(ProblemCode.requestInvalidField, "'\(field)' has the wrong type; see /docs for the schema.", field: field)
        case let .dataCorrupted(context):
            let field = path(context)
            if !field.isEmpty {
                return .invalid(ProblemCode.requestInvalidField, "'\(field)' has a value that is not allowed; see /docs for the schema.", field: field)
            }
            if context.underlyingError != nil || context.debugDescription.lowercased().contains("json") {
                return .badRequest("The body is not valid JSON.")
            }
            let reason = ProblemDetailSanitizer.sanitize(String(context.debugDescription.prefix(200)))
            return .invalid(ProblemCode.requestInvalidField, "A value does not match the schema (\(reason)); see /docs.")
        @unknown default:
            return .badRequest("The body could not be read.")
        }
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let xRequestID = HTTPField.Name("X-Request-Id")!
    /// `Last-Event-ID` (Server-Sent Events).
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// `X-Forwarded-For` (set by reverse proxies).
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
