import Foundation
import GLMTTSEngine

/// SHA-256 and, when asked, MD5 of bytes fed in pieces, or of a whole file.
public struct FileDigester: Sendable {
    private var sha = SHA256()
    private var md5: MD5?

    /// A digester; `withMD5` also computes MD5.
    public init(withMD5: Bool) {
        md5 = withMD5 ? MD5() : nil
    }

    /// Feeds raw bytes.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        sha.update(bytes: bytes)
        md5?.update(bytes: bytes)
    }

    /// Feeds the file at `url` from its start (1 MiB at a time); `progress` gets bytes read.
    public mutating func update(file url: URL, progress: (Int64) -> Void = { _ in }) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { update(bytes: $0) }
            progress(Int64(chunk.count))
        }
    }

    /// The hex digests: SHA-256 and the MD5 if it was asked for.
    public mutating func finalize() -> (sha256: String, md5: String?) {
        (sha.finalizeHex(), md5?.finalizeHex())
    }

    /// SHA-256 (hex) of the file at `url`.
    public static func sha256(of url: URL) throws -> String {
        var digester = FileDigester(withMD5: false)
        try digester.update(file: url)
        return digester.finalize().sha256
    }
}
