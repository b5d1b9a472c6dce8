import AsyncHTTPClient
import Foundation
import GLMTTSEngine
import NIOCore

/// Lists the files of a Hugging Face repository at a revision from the publisher's API
/// (`/api/models/<repo>/tree/<revision>?recursive=true`, following its `Link: rel="next"`
/// pages), with each file's size and the digest Hugging Face states: the SHA-256 of LFS files,
/// the git blob SHA-1 of the rest. Hidden files (`.gitattributes`) are left out; a path that
/// is not a safe relative path refuses the whole listing.
public struct HuggingFaceTree: Sendable {
    /// Largest listing page read.
    public static let maxPageBytes = 16 << 20
    /// Most files in one snapshot.
    public static let maxFiles = 20_000

    /// The HTTP client.
    public let client: DownloadClient
    /// The mirror (the API path follows its base unchanged), if set.
    public let mirror: ModelMirror?

    public init(client: DownloadClient, mirror: ModelMirror?) {
        self.client = client
        self.mirror = mirror
    }

    /// The files of `snapshot`, named by their place in the model folder (`<into>/<path>`).
    public func files(of snapshot: RepositorySnapshot, entry: String) async throws -> [PublishedFile] {
        guard var next = snapshot.listingURL else {
            throw ModelPullError.catalogueInvalid(path: entry, reason: "its repository '\(snapshot.repository)' makes no URL")
        }
        var files: [PublishedFile] = []
        for _ in 0..<100 {
            let (page, link) = try await fetch(next)
            files += try page.compactMap { try Self.file($0, of: snapshot, entry: entry) }
            guard files.count <= Self.maxFiles else {
                throw ModelPullError.downloadFailed(url: next.absoluteString, reason: "the repository lists more than \(Self.maxFiles) files")
            }
            guard let link else { return files }
            next = link
        }
        throw ModelPullError.downloadFailed(url: next.absoluteString, reason: "the listing has more than 100 pages")
    }

    /// One listed entry as a file to download; nil for folders and hidden files.
    static func file(_ item: TreeItem, of snapshot: RepositorySnapshot, entry: String) throws -> PublishedFile? {
        guard item.type == "file" else { return nil }
        let parts = item.path.split(separator: "/", omittingEmptySubsequences: false)
        let escapes = item.path.hasPrefix("/") || parts.contains { $0 == ".." || $0 == "." || $0.isEmpty }
        if !escapes, parts.contains(where: { $0.hasPrefix(".") }) { return nil }  // .gitattributes, .cache/
        guard !escapes, RepositorySnapshot.isSafe(item.path), let url = snapshot.url(of: item.path) else {
            throw ModelPullError.archiveRefused(
                archive: "the listing of \(snapshot.repository)", entry: item.path, reason: "is not a safe relative path")
        }
        let name = snapshot.into.isEmpty ? item.path : snapshot.into + "/" + item.path
        if let lfs = item.lfs {
            return PublishedFile(name: name, url: url, size: lfs.size, sha256: lfs.oid.lowercased())
        }
        return PublishedFile(name: name, url: url, size: item.size, gitBlobSHA1: item.oid?.lowercased())
    }

    private func fetch(_ url: URL) async throws -> ([TreeItem], URL?) {
        let source = mirror?.rewrite(url) ?? url
        let shown = ModelMirror.display(source)
        var request = HTTPClientRequest(url: source.absoluteString)
        request.headers.add(name: "User-Agent", value: "glmtts-models-pull/1")
        request.headers.add(name: "Accept", value: "application/json")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.http.execute(request, timeout: .seconds(120))
            guard response.status.code == 200 else { throw ModelPullError.httpStatus(url: shown, status: Int(response.status.code)) }
            body = try await response.body.collect(upTo: Self.maxPageBytes)
        } catch let error as ModelPullError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw ModelPullError.downloadFailed(url: shown, reason: "the file listing could not be read (\(error))")
        }
        do {
            let items = try JSONDecoder().decode([TreeItem].self, from: Data(body.readableBytesView))
            return (items, Self.nextPage(response.headers.first(name: "Link")))
        } catch {
            throw ModelPullError.downloadFailed(url: shown, reason: "the file listing is not what Hugging Face sends (\(error))")
        }
    }

    /// The `rel="next"` URL of a `Link` header, if it is on huggingface.co.
    static func nextPage(_ header: String?) -> URL? {
        guard let header else { return nil }
        for part in header.split(separator: ",") where part.contains("rel=\"next\"") {
            guard let open = part.firstIndex(of: "<"), let close = part.firstIndex(of: ">"), open < close,
                let url = URL(string: String(part[part.index(after: open)..<close])), url.host == "huggingface.co"
            else { return nil }
            return url
        }
        return nil
    }

    /// One entry of the listing.
    struct TreeItem: Decodable {
        struct LFS: Decodable {
            var oid: String
            var size: Int64
        }

        var type: String
        var path: String
        var size: Int64
        var oid: String?
        var lfs: LFS?
    }
}
