import Foundation

/// One file a catalogue entry downloads, as its publisher serves it.
public struct PublishedFile: Sendable, Codable, Equatable {
    /// Local file name for the download (letters, digits, `.`, `_`, `-`); unique in the entry.
    public var name: String
    /// The publisher's https URL.
    public var url: URL
    /// Size in bytes, as published: checked before the download (free space) and after it.
    public var size: Int64
    /// SHA-256 (hex) stated by the publisher, if they state one.
    public var sha256: String?
    /// MD5 (hex) stated by the publisher, if they state one (Piper's voices.json does).
    public var md5: String?
    /// The git blob SHA-1 (hex) stated by the publisher, if any (Hugging Face lists one for
    /// every file kept in git rather than LFS).
    public var gitBlobSHA1: String?

    public init(name: String, url: URL, size: Int64, sha256: String? = nil, md5: String? = nil, gitBlobSHA1: String? = nil) {
        self.name = name
        self.url = url
        self.size = size
        self.sha256 = sha256
        self.md5 = md5
        self.gitBlobSHA1 = gitBlobSHA1
    }

    /// Whether the publisher states a digest for this file.
    public var hasPublisherDigest: Bool { sha256 != nil || md5 != nil || gitBlobSHA1 != nil }
}
