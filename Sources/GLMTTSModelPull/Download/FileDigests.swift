/// The digests of one file, in hex.
public struct FileDigests: Sendable, Equatable {
    /// SHA-256, always.
    public var sha256: String
    /// MD5, when it was asked for.
    public var md5: String?
    /// The git blob SHA-1, when it was asked for.
    public var gitBlobSHA1: String?
}
