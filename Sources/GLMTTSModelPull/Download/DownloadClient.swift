import AsyncHTTPClient

/// The HTTP client of model downloads: follows up to 10 redirects (GitHub and Hugging Face
/// serve files from CDNs), gives up on a connection after 30 s and on a silent one after
/// 60 s. One per process; `shutdown()` before the process ends.
public final class DownloadClient: Sendable {
    /// The underlying client.
    let http: HTTPClient

    /// A new client on the shared event loops.
    public init() {
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 10, allowCycles: false),
            timeout: .init(connect: .seconds(30), read: .seconds(60)))
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes its connections.
    public func shutdown() async {
        try? await http.shutdown()
    }
}
