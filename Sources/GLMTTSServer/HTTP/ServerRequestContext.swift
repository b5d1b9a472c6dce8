package import Hummingbird
package import NIOCore

/// The request context of the server's router: Hummingbird's core context plus the peer's
/// address (for per-client limits, the metrics allow-list and logs).
package struct ServerRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The connected peer (a proxy, when behind one).
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
