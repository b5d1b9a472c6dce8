import Foundation
import HTTPTypes
import Hummingbird

/// Records who is connected in `RequestInfo.current.clientAddress` (for per-client limits,
/// the metrics allow-list and the access log): the peer's address, or behind a trusted
/// proxy the last `X-Forwarded-For` hop that is not itself a trusted proxy.
struct ClientAddressMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    /// Peers whose `X-Forwarded-For` is believed.
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var info = RequestInfo.current
        info.clientAddress = clientAddress(request, context: context)
        return try await RequestInfo.$current.withValue(info) {
            try await next(request, context)
        }
    }

    /// The client's address; "unknown" when the peer's is not known.
    func clientAddress(_ request: Request, context: Context) -> String {
        guard let peer = context.remoteAddress?.ipAddress else { return "unknown" }
        guard trustedProxies.contains(peer), let forwarded = request.headers[.xForwardedFor] else { return peer }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last(where: { !trustedProxies.contains($0) }).map { String($0.prefix(64)) } ?? peer
    }
}
