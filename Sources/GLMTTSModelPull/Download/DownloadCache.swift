import Foundation
import GLMTTSEngine

/// The private working area of pulls inside the models directory, `<models>/.pull/`:
/// `downloads/` holds partial downloads (kept after a failure or cut, so the next pull
/// resumes them), `staging-*/` the folders being installed, `locks/` one lock file per model.
/// Every name in it is derived from a hash or a catalogue id, never from a request.
public struct DownloadCache: Sendable {
    /// `<models>/.pull`.
    public let root: URL

    /// The cache of the models directory `models`.
    public init(models: URL) {
        root = models.appendingPathComponent(".pull", isDirectory: true)
    }

    /// `<root>/downloads`.
    public var downloads: URL { root.appendingPathComponent("downloads", isDirectory: true) }
    /// `<root>/locks`.
    public var locks: URL { root.appendingPathComponent("locks", isDirectory: true) }

    /// The partial download of `url` (named by the hash of the publisher's URL, so a mirror
    /// change still resumes it).
    public func partial(for url: URL) -> URL {
        downloads.appendingPathComponent(String(SHA256.hex(of: Data(url.absoluteString.utf8)).prefix(32)) + ".part")
    }

    /// A new, empty staging folder.
    public func makeStaging() throws -> URL {
        let folder = root.appendingPathComponent("staging-" + UUID().uuidString.lowercased(), isDirectory: true)
        try Self.create(folder)
        return folder
    }

    /// Creates the cache's folders.
    public func prepare() throws {
        for folder in [downloads, locks] { try Self.create(folder) }
    }

    /// Removes staging folders left by a pull that was killed (older than an hour, so a pull
    /// running in another process keeps its own).
    public func removeStaleStaging(now: Date = Date()) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root.path) else { return }
        for name in names where name.hasPrefix("staging-") {
            let url = root.appendingPathComponent(name)
            let modified = (try? fm.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? now
            if now.timeIntervalSince(modified) > 3600 { try? fm.removeItem(at: url) }
        }
    }

    private static func create(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError.writeFailed(path: folder.path, reason: error.localizedDescription)
        }
    }
}
