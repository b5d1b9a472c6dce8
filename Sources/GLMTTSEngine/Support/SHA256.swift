import Crypto
import Foundation

/// Incremental SHA-256, for content fingerprints such as "was this model already imported
/// from the same source" and for checking downloads: a thin value type over swift-crypto's
/// (BoringSSL) implementation, so hashing a model of hundreds of megabytes is fast even in a
/// debug build.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(data)
/// let hex = hasher.finalizeHex()
/// ```
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    /// A hasher with no input yet.
    public init() {}

    /// Feeds `data` into the hash.
    public mutating func update(_ data: Data) {
        hasher.update(data: data)
    }

    /// Feeds raw bytes into the hash.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The 32-byte digest of everything fed so far (the hasher itself is left as it was).
    public func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }

    /// The digest as 64 lowercase hex characters.
    public func finalizeHex() -> String {
        finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The hex SHA-256 of `data`.
    public static func hex(of data: Data) -> String {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalizeHex()
    }
}
