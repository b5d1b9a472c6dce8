import AsyncHTTPClient
import Foundation
import GLMTTSEngine
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// Downloads one published file into the pull cache: resumes a partial download with an
/// HTTP Range request, never writes more than the published size, and checks size,
/// SHA-256 (the publisher's, else the one seen at the first download) and MD5 (where
/// stated). A cut leaves the partial file for the next attempt; a mismatch deletes it.
public struct ModelDownloader: Sendable {
    /// The HTTP client.
    public let client: DownloadClient
    /// Where partial downloads live.
    public let cache: DownloadCache
    /// Where to fetch from instead of the publisher, if set.
    public let mirror: ModelMirror?
    /// Hashes seen at first downloads.
    public let seen: SeenDigests

    public init(client: DownloadClient, cache: DownloadCache, mirror: ModelMirror?) {
        self.client = client
        self.cache = cache
        self.mirror = mirror
        self.seen = SeenDigests(cache: cache)
    }

    /// Downloads `file` (or finishes its partial download) and checks it; `progress` gets
    /// the bytes of this file done so far (resumed bytes included).
    public func fetch(_ file: PublishedFile, progress: @Sendable (Int64) -> Void) async throws -> DownloadedFile {
        let partial = cache.partial(for: file.url)
        var offset = Self.size(of: partial)
        if offset > file.size {
            try? FileManager.default.removeItem(at: partial)
            offset = 0
        }
        var digester = FileDigester(for: file)
        if offset > 0 { try digester.update(file: partial) }
        progress(offset)
        if offset < file.size {
            try await transfer(file, to: partial, from: offset, digester: &digester, progress: progress)
        }
        return try check(file, at: partial, digests: digester.finalize())
    }

    /// Checks a finished file against the catalogue (and records a first-seen digest); a
    /// mismatching download is deleted (a user's own file is not).
    func check(
        _ file: PublishedFile, at location: URL, digests: FileDigests, deleteOnMismatch: Bool = true
    ) throws -> DownloadedFile {
        let actualSize = Self.size(of: location)
        func mismatch(_ what: String, _ expected: String, _ actual: String) -> ModelPullError {
            if deleteOnMismatch { try? FileManager.default.removeItem(at: location) }
            return .checksumMismatch(file: file.name, what: what, expected: expected, actual: actual)
        }
        guard actualSize == file.size else { throw mismatch("size", "\(file.size) bytes", "\(actualSize) bytes") }
        if let md5 = file.md5, digests.md5 != md5 { throw mismatch("MD5", md5, digests.md5 ?? "?") }
        if let sha1 = file.gitBlobSHA1, digests.gitBlobSHA1 != sha1 { throw mismatch("git blob SHA-1", sha1, digests.gitBlobSHA1 ?? "?") }
        if let sha = file.sha256 {
            guard sha == digests.sha256 else { throw mismatch("SHA-256", sha, digests.sha256) }
        } else if file.hasPublisherDigest {
            // Checked against the publisher's MD5 or git SHA-1 above.
        } else if let first = seen.digest(for: file.url) {
            guard first == digests.sha256 else {
                throw mismatch("SHA-256", "\(first) (seen at its first download; not stated by the publisher)", digests.sha256)
            }
        } else {
            try seen.record(digests.sha256, for: file.url)
        }
        return DownloadedFile(location: location, sha256: digests.sha256, publisherDigestChecked: file.hasPublisherDigest)
    }

    private func transfer(
        _ file: PublishedFile, to partial: URL, from start: Int64, digester: inout FileDigester,
        progress: @Sendable (Int64) -> Void
    ) async throws {
        let source = mirror?.rewrite(file.url) ?? file.url
        let shown = ModelMirror.display(source)
        var offset = start
        var request = HTTPClientRequest(url: source.absoluteString)
        request.headers.add(name: "User-Agent", value: "glmtts-models-pull/1")
        if offset > 0 { request.headers.add(name: "Range", value: "bytes=\(offset)-") }
        let response: HTTPClientResponse
        do {
            response = try await client.http.execute(request, deadline: .distantFuture)
        } catch {
            try Task.checkCancellation()
            throw ModelPullError.downloadFailed(url: shown, reason: Self.describe(error))
        }
        switch response.status.code {
        case 206:
            if Self.rangeStart(response.headers.first(name: "Content-Range")) != offset { fallthrough }
        case 200:
            if offset > 0 {
                try? FileManager.default.removeItem(at: partial)
                offset = 0
                digester = FileDigester(for: file)
                progress(0)
            }
        case 416:
            try? FileManager.default.removeItem(at: partial)
            throw ModelPullError.downloadFailed(url: shown, reason: "the server refused to resume it; pull again to start over")
        default:
            throw ModelPullError.httpStatus(url: shown, status: Int(response.status.code))
        }
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw ModelError.writeFailed(path: partial.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        do {
            for try await buffer in response.body {
                try Task.checkCancellation()
                guard offset + Int64(buffer.readableBytes) <= file.size else {
                    try? FileManager.default.removeItem(at: partial)
                    throw ModelPullError.checksumMismatch(
                        file: file.name, what: "size", expected: "\(file.size) bytes", actual: "more than \(file.size) bytes")
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    try Self.write(bytes, to: fd, path: partial, needed: file.size - offset)
                    digester.update(bytes: bytes)
                }
                offset += Int64(buffer.readableBytes)
                progress(offset)
            }
        } catch let error as ModelPullError {
            throw error
        } catch let error as ModelError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw ModelPullError.downloadFailed(
                url: shown, reason: "the connection broke after \(ModelPullError.size(offset)): \(Self.describe(error))")
        }
        guard offset == file.size else {
            throw ModelPullError.downloadFailed(
                url: shown, reason: "the server sent \(ModelPullError.size(offset)) of \(ModelPullError.size(file.size))")
        }
    }

    /// Writes all of `bytes`; a full disk deletes the partial file (it cannot be finished
    /// there) and says how much was needed.
    private static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, path: URL, needed: Int64) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == ENOSPC || code == EDQUOT {
                    try? FileManager.default.removeItem(at: path)
                    let folder = path.deletingLastPathComponent()
                    throw ModelPullError.diskFull(path: folder.path, neededBytes: needed, freeBytes: DiskSpace.freeBytes(at: folder) ?? 0)
                }
                throw ModelError.writeFailed(path: path.path, reason: String(cString: strerror(code)))
            }
            done += n
        }
    }

    /// The first byte of a `Content-Range: bytes START-END/TOTAL` header.
    static func rangeStart(_ header: String?) -> Int64? {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        return header.dropFirst(6).split(separator: "-").first.flatMap { Int64($0) }
    }

    static func size(of url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    /// The network failure in words.
    private static func describe(_ error: any Error) -> String {
        if error is HTTPParserError { return "the server closed the connection before the whole file arrived" }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "no connection within 30 s"
            case .readTimeout: return "the server sent nothing for 60 s"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        if let error = error as? IOError { return "the connection failed (\(error.description))" }
        return error.localizedDescription
    }
}
