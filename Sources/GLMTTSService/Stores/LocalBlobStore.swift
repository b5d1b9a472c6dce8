import Foundation
import GLMTTSEngine

/// Blobs as files under the data directory's `service` folder. Every file name is built
/// from a `BlobKey` (validated random ids and our own format names), never from anything a
/// client sent.
///
/// - `uploads/<job id>.clip`: the uploaded reference clip or audio to transcribe.
/// - `outputs/<job id>.wav`: the result, lossless, from which other formats are encoded.
/// - `outputs/<job id>.<format>`: the result in another format.
/// - `outputs/<job id>.captions.json`: the result's caption words.
/// - `outputs/<job id>.<lease>.…`: the same, made by the run holding that lease (a job store
///   shared by several nodes).
/// - `voices/<voice id>.wav`: a saved voice's prepared reference clip.
public struct LocalBlobStore: BlobStore {
    /// The folder holding `uploads/`, `outputs/` and `voices/`.
    public let root: URL

    /// A store under `root`; call `createFolders` once before use.
    public init(root: URL) {
        self.root = root
    }

    /// Folder of uploads.
    var uploads: URL { root.appendingPathComponent("uploads", isDirectory: true) }
    /// Folder of results.
    var outputs: URL { root.appendingPathComponent("outputs", isDirectory: true) }
    /// Folder of saved voices.
    var voices: URL { root.appendingPathComponent("voices", isDirectory: true) }

    /// The file of `key`; nil for a voice clip whose id is not a valid voice id.
    public func file(_ key: BlobKey) -> URL? {
        key.relativePath.map { root.appendingPathComponent($0, isDirectory: false) }
    }

    /// Creates the folders (owner-only permissions).
    public func createFolders() throws {
        for folder in [uploads, outputs, voices] {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        }
    }

    /// Writes atomically (temp file + rename) with owner-only permissions; a missing folder is
    /// created again.
    public func write(_ data: Data, to key: BlobKey) async throws {
        guard let url = file(key) else { throw StorageError.failed(folder: "voices") }  // not a voice id: never ours
        do {
            // The folder may have been removed by hand since start; recreate it.
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            try data.write(to: url, options: [.atomic])
        } catch {
            throw StorageError.classify(error, folder: url.deletingLastPathComponent())
        }
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// The file's bytes; nil when it is missing or unreadable (both mean "gone" to callers).
    public func read(_ key: BlobKey) async throws -> Data? {
        guard let url = file(key) else { return nil }
        return try? Data(contentsOf: url)
    }

    /// The folders exist (made again if removed by hand) and take a file.
    public func checkAvailable() async throws {
        let probe = root.appendingPathComponent(".ready-probe")
        do {
            try createFolders()
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw StorageError.classify(error, folder: root)
        }
    }

    public func remove(_ key: BlobKey) async {
        guard let url = file(key) else { return }
        try? FileManager.default.removeItem(at: url)
    }

    /// Its upload and every file in `outputs/` named after it (those of every run's lease),
    /// found with `glob` (a job id has no pattern characters).
    public func removeBlobs(of id: JobID) async {
        await remove(.upload(id))
        var found = glob_t()
        defer { globfree(&found) }
        guard glob(outputs.appendingPathComponent(id.rawValue + ".*").path, 0, nil, &found) == 0 else { return }
        for index in 0..<Int(found.gl_pathc) {
            guard let path = found.gl_pathv[index] else { continue }
            unlink(path)
        }
    }

    /// Jobs with files in `uploads/` or `outputs/` last changed before `cutoff` (by the id
    /// in the file name; names that are not a job id's are left alone).
    public func jobsWithBlobs(olderThan cutoff: Date) async -> Set<JobID> {
        var ids = Set<JobID>()
        let manager = FileManager.default
        for folder in [uploads, outputs] {
            let names = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names {
                guard let id = BlobKey.jobID(ofPath: "\(folder.lastPathComponent)/\(name)") else { continue }
                let modified =
                    (try? manager.attributesOfItem(atPath: folder.appendingPathComponent(name).path))?[.modificationDate] as? Date
                if let modified, modified < cutoff { ids.insert(id) }
            }
        }
        return ids
    }
}
