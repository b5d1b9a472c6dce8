import Foundation

/// A downloaded (or `--from`) file whose size and digests were checked.
public struct DownloadedFile: Sendable, Equatable {
    /// Where it lies now.
    public var location: URL
    /// Its SHA-256 (hex).
    public var sha256: String
    /// Whether it matched a digest its publisher states (false: only the hash seen at the
    /// first download, or nothing yet).
    public var publisherDigestChecked: Bool

    public init(location: URL, sha256: String, publisherDigestChecked: Bool) {
        self.location = location
        self.sha256 = sha256
        self.publisherDigestChecked = publisherDigestChecked
    }
}
