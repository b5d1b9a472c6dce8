import Foundation
import GLMTTSEngine

/// The SHA-256 seen at the first download of each file whose publisher states none
/// (`<models>/.pull/seen-digests.json`, publisher URL → hex). Later downloads of the same
/// URL must match it: trust on first use, shown as "not stated by the publisher".
public struct SeenDigests: Sendable {
    /// The file.
    public let url: URL

    public init(cache: DownloadCache) {
        url = cache.root.appendingPathComponent("seen-digests.json")
    }

    /// Every recorded digest.
    public func all() -> [String: String] {
        guard let data = try? Data(contentsOf: url), data.count < 32 << 20,
            let table = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [:] }
        return table
    }

    /// The digest recorded for `file`'s URL.
    public func digest(for file: URL) -> String? {
        all()[file.absoluteString]
    }

    /// Records `digest` for `file` (re-reading the table first, so pulls of other models
    /// in other processes keep theirs; the write is atomic).
    public func record(_ digest: String, for file: URL) throws {
        var table = all()
        table[file.absoluteString] = digest
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(table).write(to: url, options: .atomic)
        } catch {
            throw ModelError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }
}
