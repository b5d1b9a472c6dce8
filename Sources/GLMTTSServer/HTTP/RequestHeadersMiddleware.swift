import HTTPTypes
import Hummingbird

/// Drops request headers the server must not act on. `Accept`: response types are chosen
/// by `format`/`response_format`, never negotiated (clients such as OpenAI's send
/// `Accept: application/octet-stream` for audio, which the generated code would otherwise
/// refuse with 406). `Last-Event-ID` unless it is a number: a reconnecting EventSource
/// sends back the id it saw; anything else is ignored.
struct RequestHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var head = request.head
        head.headerFields[.accept] = nil
        if let last = head.headerFields[.lastEventID], Int(last) == nil { head.headerFields[.lastEventID] = nil }
        return try await next(Request(head: head, body: request.body), context)
    }
}
