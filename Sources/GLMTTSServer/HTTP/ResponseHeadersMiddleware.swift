import Foundation
import HTTPTypes
import Hummingbird

/// Header fix-ups on every response, problems included: `X-Content-Type-Options: nosniff`
/// (every answer is what its Content-Type says: browsers must not guess HTML from a JSON
/// string or an upload that echoes a client's text), and `Location` and
/// `Content-Disposition` verbatim (the generated code percent-encodes header values, OpenAPI
/// "simple" style; these two carry only server-made text: paths and our file names).
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        for name in [HTTPField.Name.location, .contentDisposition] {
            if let value = response.headers[name], let decoded = value.removingPercentEncoding { response.headers[name] = decoded }
        }
        return response
    }
}
