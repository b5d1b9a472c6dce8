import Foundation
import GLMTTSEngine

/// Files a user downloaded already (`glmtts models pull ID --from PATH`): PATH is the file
/// itself (for an entry of one file, or named as published) or a folder holding the files
/// by their published names. Each is checked like a download before it is used, and only
/// ever read (copied into the install), never moved.
struct LocalModelSource {
    /// The file or folder given.
    let root: URL

    /// The checked local copy of `file`.
    func take(_ file: PublishedFile, for id: String, downloader: ModelDownloader, progress: (Int64) -> Void) throws -> DownloadedFile {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
            throw ModelPullError.sourceMissing(id: id, file: file.name, searched: root.path)
        }
        let candidates =
            isFolder.boolValue
            ? [root.appendingPathComponent(file.name), root.appendingPathComponent(file.url.lastPathComponent)]
            : [root].filter { $0.lastPathComponent == file.name || $0.lastPathComponent == file.url.lastPathComponent }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ModelPullError.sourceMissing(id: id, file: file.name, searched: root.path)
        }
        var digester = FileDigester(withMD5: file.md5 != nil)
        var done: Int64 = 0
        try digester.update(file: found) { bytes in
            done += bytes
            progress(done)
        }
        return try downloader.check(file, at: found, digests: digester.finalize(), deleteOnMismatch: false)
    }
}
