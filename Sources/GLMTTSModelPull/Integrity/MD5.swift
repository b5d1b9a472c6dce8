import Crypto
import Foundation

/// Incremental MD5, to check a downloaded file against the MD5 digest its publisher states
/// (Piper's voice list gives one per file): swift-crypto's `Insecure.MD5`.
///
/// MD5 is broken for security: it only tells a damaged or truncated download from the
/// published file. Trust comes from the HTTPS source and the SHA-256 kept in the manifest.
public struct MD5: Sendable {
    private var hasher = Insecure.MD5()

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

    /// The digest as 32 lowercase hex characters.
    public func finalizeHex() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The hex MD5 of `data`.
    public static func hex(of data: Data) -> String {
        var hasher = MD5()
        hasher.update(data)
        return hasher.finalizeHex()
    }
}
