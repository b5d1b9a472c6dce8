import Foundation
import GLMTTSEngine
import HTTPTypes

/// The problems for `DecodingError`s: a body that does not match the schema names the
/// field (422); one that does not say where is a bad query parameter or unreadable JSON.
enum DecodingProblems {
    /// The coding path of a decoding error ("" when the decoder did not say).
    static func codingPath(of error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case let .keyNotFound(key, c): return (c.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): context = c
        @unknown default: return ""
        }
        return path(context)
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
            return .invalid(
                ProblemCode.requestInvalidField,
                "A query parameter\(names.isEmpty ? "" : " (\(names.joined(separator: ", ")))") has a value that is not allowed: \(cleaned). See /docs for the allowed values.",
                field: field)
        }
        return .badRequest(
            "The body is not valid JSON, or a value has the wrong type (for example a fraction where a whole number is expected, such as top_k or seed): \(cleaned). See /docs for the schema."
        )
    }

    /// A body that does not match the schema: 422 naming the field.
    static func problem(for error: DecodingError) -> HTTPProblem {
        switch error {
        case let .keyNotFound(key, context):
            let field = (path(context).isEmpty ? "" : path(context) + ".") + key.stringValue
            return .invalid(ProblemCode.requestMissingField, "'\(field)' is required.", field: field)
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            let field = path(context)
            if field.isEmpty {
                return .invalid(
                    ProblemCode.requestInvalidField, "The body has the wrong shape: it must be a JSON object as described in /docs.")
            }
            return .invalid(ProblemCode.requestInvalidField, "'\(field)' has the wrong type; see /docs for the schema.", field: field)
        case let .dataCorrupted(context):
            return corrupted(context)
        @unknown default:
            return .badRequest("The body could not be read.")
        }
    }

    /// A value that does not match the schema, or a body that is not JSON.
    private static func corrupted(_ context: DecodingError.Context) -> HTTPProblem {
        let field = path(context)
        if !field.isEmpty {
            return .invalid(
                ProblemCode.requestInvalidField, "'\(field)' has a value that is not allowed; see /docs for the schema.", field: field)
        }
        if context.underlyingError != nil || context.debugDescription.lowercased().contains("json") {
            return .badRequest("The body is not valid JSON.")
        }
        let reason = ProblemDetailSanitizer.sanitize(String(context.debugDescription.prefix(200)))
        return .invalid(ProblemCode.requestInvalidField, "A value does not match the schema (\(reason)); see /docs.")
    }

    /// `a.b[0].c` for a coding path.
    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
