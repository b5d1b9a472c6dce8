import Foundation
import HTTPTypes
import Hummingbird
import NIOHTTP1
import OpenAPIRuntime
import Testing

@testable import GLMTTSServer

/// The rows of `ProblemMapper`'s table, one error kind each, and unwrapping through the
/// runtime's `ServerError`.
@Suite struct ProblemMapperTests {
    private static func wrapped(
        _ error: any Error, method: HTTPRequest.Method = .post, path: String = "/api/tts",
        status: HTTPResponse.Status = .internalServerError
    ) -> ServerError {
        ServerError(
            operationID: "createSpeech", request: HTTPRequest(method: method, scheme: nil, authority: nil, path: path),
            requestBody: nil, requestMetadata: .init(), causeDescription: "Unknown", underlyingError: error,
            httpStatus: status, httpHeaderFields: [:], httpBody: nil)
    }

    @Test func problemsPassThroughAndWrappersAreUnwrapped() {
        let problem = HTTPProblem.notFound("x")
        #expect(ProblemMapper.problem(for: problem).code == "not_found")
        #expect(ProblemMapper.problem(for: Self.wrapped(Self.wrapped(problem))).code == "not_found")
        let missing = DecodingError.keyNotFound(AnyKey("text"), .init(codingPath: [], debugDescription: ""))
        #expect(ProblemMapper.problem(for: Self.wrapped(missing)).field == "text")
    }

    @Test func unplacedDecodingErrorsNameTheQueryOrTheBody() {
        let unplaced = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bad value"))
        let query = ProblemMapper.problem(for: Self.wrapped(unplaced, method: .get, path: "/api/tts/abc/audio?format=midi"))
        #expect(query.statusCode == 422 && query.field == "format")
        let body = ProblemMapper.problem(for: Self.wrapped(unplaced))
        #expect(body.statusCode == 400 && body.code == "request.malformed")
    }

    @Test func theRuntimesOwnVerdictsAndRoutingErrorsAreClientErrors() {
        struct Opaque: Error {}
        #expect(ProblemMapper.problem(for: Self.wrapped(Opaque(), status: .unsupportedMediaType)).statusCode == 415)
        #expect(ProblemMapper.problem(for: Self.wrapped(Opaque(), status: .badRequest)).code == "request.malformed")
        #expect(ProblemMapper.problem(for: Self.wrapped(Opaque())).statusCode == 500)
        #expect(ProblemMapper.problem(for: HTTPError(.notFound)).code == "route.not_found")
        #expect(ProblemMapper.problem(for: HTTPError(.methodNotAllowed)).code == "route.method_not_allowed")
        #expect(ProblemMapper.problem(for: HTTPError(.contentTooLarge)).statusCode == 413)
        #expect(ProblemMapper.problem(for: HTTPError(.badGateway)).statusCode == 500)
    }

    @Test func malformedBodiesOnTheWireAreBadRequests() {
        let problem = ProblemMapper.problem(for: HTTPParserError.invalidChunkSize)
        #expect(problem.statusCode == 400 && problem.code == "request.malformed")
        #expect(ProblemMapper.rules.count == 7)
    }
}
