import Foundation
import GLMTTSEngine
import GLMTTSService
import Hummingbird
import NIOHTTP1
import OpenAPIRuntime

/// Turns any error thrown while handling a request into the problem the client gets.
///
/// A table of rules (`rules`), tried in order: each matches one kind of error by its type
/// and either answers with a problem or unwraps the error it carries (`ServerError`, the
/// OpenAPI runtime's wrapper), which goes through the table again. Anything no rule
/// answers is an internal error whose detail never shows internals (`HTTPProblem.from`).
enum ProblemMapper {
    /// What a rule makes of an error.
    enum Outcome {
        /// The answer.
        case problem(HTTPProblem)
        /// Look at this wrapped error instead.
        case unwrap(any Error)
    }

    /// One row of the table: the errors it matches and what it makes of them.
    struct Rule: Sendable {
        /// The error types matched, for reading the table.
        let matches: String
        /// The outcome for a matching error; nil when the error is not one of them.
        let apply: @Sendable (any Error) -> Outcome?
    }

    /// A rule for errors of type `type`.
    static func rule<E: Error>(_ type: E.Type, _ map: @escaping @Sendable (E) -> Outcome?) -> Rule {
        Rule(matches: String(describing: type)) { error in (error as? E).flatMap(map) }
    }

    /// The table, in order.
    static let rules: [Rule] = [
        rule(HTTPProblem.self) { .problem($0) },
        Rule(matches: "QueueFullError, JobProblem, GLMTTSError") { error in
            isServiceError(error) ? .problem(HTTPProblem.from(error)) : nil
        },
        rule(DecodingError.self) { .problem(DecodingProblems.problem(for: $0)) },
        rule(ServerError.self, serverError),
        rule(HTTPError.self, routingError),
        // NIO's HTTP parser (a malformed request body on the wire): the client's fault.
        rule(HTTPParserError.self) { .problem(malformedBody($0)) },
        // The runtime's multipart and URL-form parsers and validator throw their own
        // internal types, which cannot be named here: they are recognised by the runtime's
        // type names (`text=Hi&format`, a name without `=`, was a 500: found by fuzzing).
        Rule(matches: "OpenAPIRuntime.Multipart*, ParsingError, URI* (internal)") { error in
            isRuntimeParsingError(error) ? .problem(malformedBody(error)) : nil
        },
    ]

    /// How many wrappers deep the table looks.
    static let maximumDepth = 6

    /// The problem for any error thrown while handling a request.
    static func problem(for error: any Error) -> HTTPProblem {
        var current = error
        for _ in 0..<maximumDepth {
            guard let outcome = rules.lazy.compactMap({ $0.apply(current) }).first else { break }
            switch outcome {
            case let .problem(problem): return problem
            case let .unwrap(inner): current = inner
            }
        }
        return HTTPProblem.from(current)
    }

    /// The service layer's typed errors, which `HTTPProblem.from` knows.
    static func isServiceError(_ error: any Error) -> Bool {
        error is QueueFullError || error is JobProblem || error is any GLMTTSError
    }

    /// A `ServerError` (the runtime's wrapper around anything a handler, middleware or
    /// decoder threw): a body decoding error that does not say where, the wrapped error when
    /// the table knows its kind, else the runtime's own 4xx verdict; other statuses unwrap.
    static func serverError(_ server: ServerError) -> Outcome {
        let underlying = server.underlyingError
        if let decoding = underlying as? DecodingError, DecodingProblems.codingPath(of: decoding).isEmpty {
            return .problem(DecodingProblems.problem(forUnplaced: decoding, in: server.request))
        }
        if underlying is DecodingError || underlying is HTTPProblem || isServiceError(underlying) || underlying is ServerError {
            return .unwrap(underlying)
        }
        let status = Int(server.httpStatus.code)
        guard (400..<500).contains(status) else { return .unwrap(underlying) }
        if status == 415 { return .problem(.unsupportedMediaType(RequestInfo.current.contentType)) }
        let reason = ProblemDetailSanitizer.sanitize(String(server.causeDescription.prefix(300)))
        return .problem(
            HTTPProblem(
                code: ProblemCode.requestMalformed, title: "Bad request", status: status,
                detail: "The request could not be read: \(reason). See /docs for this operation's format."))
    }

    /// The router's own errors: no such route, method, too large, other 4xx; nil otherwise.
    static func routingError(_ http: HTTPError) -> Outcome? {
        let status = Int(http.status.code)
        switch status {
        case 404:
            return .problem(
                HTTPProblem(
                    code: ProblemCode.routeNotFound, title: "Not found", status: 404,
                    detail: "There is no such endpoint; see /docs for the API."))
        case 405:
            return .problem(
                HTTPProblem(
                    code: ProblemCode.routeMethodNotAllowed, title: "Method not allowed", status: 405,
                    detail: "This endpoint does not accept that method; see /docs."))
        case 413:
            return .problem(
                HTTPProblem(
                    code: ProblemCode.requestTooLarge, title: "Content too large", status: 413,
                    detail: "The request body is larger than this server accepts."))
        case 400..<500:
            return .problem(
                HTTPProblem(
                    code: ProblemCode.requestMalformed, title: "Bad request", status: status,
                    detail: "The request could not be read (\(http.status.reasonPhrase))."))
        default: return nil
        }
    }

    /// Whether `error` is one of the OpenAPI runtime's internal parsing errors.
    static func isRuntimeParsingError(_ error: any Error) -> Bool {
        let name = String(reflecting: type(of: error))
        return ["OpenAPIRuntime.Multipart", "OpenAPIRuntime.ParsingError", "OpenAPIRuntime.URI"].contains { name.hasPrefix($0) }
    }

    /// A body the parsers could not read: 422 when the form lacks a required part, else 400.
    static func malformedBody(_ error: any Error) -> HTTPProblem {
        let reason = ProblemDetailSanitizer.sanitize(String(String(describing: error).prefix(300)))
        if reason.hasPrefix("Missing required parts") || reason.contains("required part") {
            return HTTPProblem(
                code: ProblemCode.requestMissingField, title: "Invalid input", status: 422,
                detail: "The form is incomplete: \(reason). See /docs for this operation's fields.")
        }
        return .badRequest("The request body is malformed: \(reason). See /docs for this operation's format.")
    }
}
