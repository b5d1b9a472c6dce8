import Foundation
import GLMTTSEngine

/// Files a user downloaded already (`glmtts models pull ID --from PATH`): PATH is the file
/// itself (for an entry of one file, or named as published) or a folder holding the files
/// by their published names. Each is checked like a download before it is used, and only
/// ever read (copied into the install), never moved.
struct LocalModelSource {
    /// The file or folder given.
    let root: URL
    /// For a snapshot entry, the folder its files go to (the `--from` folder stands for it).
    var snapshotInto: String?

    /// The files of a snapshot in the `--from` folder (as `huggingface-cli download
    /// --local-dir` leaves them; hidden files and folders skipped), at their local sizes and
    /// with no publisher digest (the listing needs the network).
    func snapshotFiles(_ snapshot: RepositorySnapshot, for id: String) throws -> [PublishedFile] {
        let base = root.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey]) else {
            throw ModelPullError.sourceMissing(id: id, file: "the files of \(snapshot.repository)", searched: root.path)
        }
        var files: [PublishedFile] = []
        while let url = walker.nextObject() as? URL {
            let path = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values?.isRegularFile == true, RepositorySnapshot.isSafe(path), let link = snapshot.url(of: path) else { continue }
            let name = snapshot.into.isEmpty ? path : snapshot.into + "/" + path
            files.append(PublishedFile(name: name, url: link, size: Int64(values?.fileSize ?? 0)))
        }
        guard !files.isEmpty else { throw ModelPullError.sourceMissing(id: id, file: "the files of \(snapshot.repository)", searched: root.path) }
        return files.sorted { $0.name < $1.name }
    }

    /// The checked local copy of `file`.
    func take(_ file: PublishedFile, for id: String, downloader: ModelDownloader, progress: (Int64) -> Void) throws -> DownloadedFile {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
            throw ModelPullError.sourceMissing(id: id, file: file.name, searched: root.path)
        }
        var candidates =
            isFolder.boolValue
            ? [root.appendingPathComponent(file.name), root.appendingPathComponent(file.url.lastPathComponent)]
            : [root].filter { $0.lastPathComponent == file.name || $0.lastPathComponent == file.url.lastPathComponent }
        if let into = snapshotInto, !into.isEmpty, file.name.hasPrefix(into + "/") {
            candidates.insert(root.appendingPathComponent(String(file.name.dropFirst(into.count + 1))), at: 0)
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ModelPullError.sourceMissing(id: id, file: file.name, searched: root.path)
        }
        var digester = FileDigester(for: file)
        var done: Int64 = 0
        try digester.update(file: found) { bytes in
            done += bytes
            progress(done)
        }
        return try downloader.check(file, at: found, digests: digester.finalize(), deleteOnMismatch: false)
    }
}
