import Foundation

/// A catalogue entry whose files are a Hugging Face model repository at a revision, listed
/// from the publisher's API when pulled (`GET /api/models/<repo>/tree/<revision>?recursive=true`)
/// rather than written into the catalogue: every file with its size and the digest Hugging
/// Face states (the SHA-256 of large files, the git blob SHA-1 of the others). Used where a
/// repository holds many files, such as GLM-TTS's weights.
public struct RepositorySnapshot: Sendable, Codable, Equatable {
    /// `owner/name` on huggingface.co.
    public var repository: String
    /// Branch, tag or commit.
    public var revision: String
    /// The folder inside the model folder the files go to (`ckpt`), or empty for its root.
    public var into: String
    /// Expected size of the whole snapshot in bytes, if known (for the catalogue listing;
    /// the listing itself decides what is downloaded and the free space needed).
    public var approximateBytes: Int64?

    public init(repository: String, revision: String, into: String, approximateBytes: Int64? = nil) {
        self.repository = repository
        self.revision = revision
        self.into = into
        self.approximateBytes = approximateBytes
    }
}

extension RepositorySnapshot {
    /// The publisher's URL of `path` (relative, `/`-separated) in the repository.
    public func url(of path: String) -> URL? {
        let encoded = path.split(separator: "/").map { String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "" }
        return URL(string: "https://huggingface.co/\(repository)/resolve/\(revision)/" + encoded.joined(separator: "/"))
    }

    /// The API URL that lists the repository's files.
    public var listingURL: URL? {
        URL(string: "https://huggingface.co/api/models/\(repository)/tree/\(revision)?recursive=true")
    }

    /// Whether `path` is a safe relative path: `/`-separated components, none empty, `.` or
    /// `..`, none starting with a dot (`.gitattributes`, `.cache`), no backslash or control
    /// characters, at most 1024 characters.
    public static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, path.count <= 1024, !path.hasPrefix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".") && !part.contains("\\")
                && !part.unicodeScalars.contains { $0.properties.generalCategory == .control }
        }
    }
}
