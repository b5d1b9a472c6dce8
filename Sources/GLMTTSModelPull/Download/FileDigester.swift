import Crypto
import Foundation
import GLMTTSEngine

/// SHA-256 and, when asked, MD5 and the git blob SHA-1 of bytes fed in pieces, or of a
/// whole file.
public struct FileDigester: Sendable {
    private var sha = GLMTTSEngine.SHA256()
    private var md5: MD5?
    private var gitBlob: Insecure.SHA1?

    /// A digester; `withMD5` also computes MD5; `gitBlobSize` (the file's size) also the git
    /// blob SHA-1 (`SHA-1("blob <size>\0" + content)`).
    public init(withMD5: Bool, gitBlobSize: Int64? = nil) {
        md5 = withMD5 ? MD5() : nil
        if let gitBlobSize {
            var blob = Insecure.SHA1()
            blob.update(data: Data("blob \(gitBlobSize)\0".utf8))
            gitBlob = blob
        }
    }

    /// A digester for what `file`'s publisher states.
    public init(for file: PublishedFile) {
        self.init(withMD5: file.md5 != nil, gitBlobSize: file.gitBlobSHA1 != nil ? file.size : nil)
    }

    /// Feeds raw bytes.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        sha.update(bytes: bytes)
        md5?.update(bytes: bytes)
        gitBlob?.update(bufferPointer: bytes)
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

    /// The hex digests: SHA-256, and the MD5 and git blob SHA-1 if they were asked for.
    public func finalize() -> FileDigests {
        FileDigests(
            sha256: sha.finalizeHex(), md5: md5?.finalizeHex(),
            gitBlobSHA1: gitBlob.map { $0.finalize().map { String(format: "%02x", $0) }.joined() })
    }

    /// SHA-256 (hex) of the file at `url`.
    public static func sha256(of url: URL) throws -> String {
        var digester = FileDigester(withMD5: false)
        try digester.update(file: url)
        return digester.finalize().sha256
    }
}
