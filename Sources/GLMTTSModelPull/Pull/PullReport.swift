/// What a pull did.
public struct PullReport: Sendable, Codable, Equatable {
    /// Models installed (or replaced), in order.
    public var installed: [String]
    /// Models that were installed already and left alone.
    public var skipped: [String]
    /// Bytes fetched over the network (resumed parts not counted twice).
    public var bytesDownloaded: Int64

    public init(installed: [String] = [], skipped: [String] = [], bytesDownloaded: Int64 = 0) {
        self.installed = installed
        self.skipped = skipped
        self.bytesDownloaded = bytesDownloaded
    }
}
