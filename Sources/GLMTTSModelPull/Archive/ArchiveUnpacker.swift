import Foundation
import GLMTTSEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Unpacks a model archive (`.tar`, `.tar.gz`, `.tar.bz2`, `.tar.xz`) into a new folder,
/// treating it as hostile until every entry has proven harmless.
///
/// The archive is opened here and handed to the system's decompressor as its standard
/// input, so the decompressor opens no file at all; its output is read by `TarReader`, which
/// refuses links, devices, FIFOs, unsafe names and archives beyond `ArchiveLimits`. Every
/// file is created by this code with `O_EXCL | O_NOFOLLOW` under `folder`, whose own folders
/// it made itself: nothing is ever written outside `folder`. On any error or cancel, what was
/// unpacked is deleted.
public struct ArchiveUnpacker: Sendable {
    public init() {}

    /// Unpacks `archive` into `folder` (created; it must not exist yet, or be empty), dropping
    /// `stripComponents` leading path components (entries with no more components, such as the
    /// top folder itself, are skipped). `isCancelled` is checked between chunks; `progress`
    /// gets the bytes written so far.
    ///
    /// - Throws: `ModelPullError.archiveRefused` for an unsafe entry, `.archiveCorrupt` for a
    ///   damaged archive or a failed decompressor, `.cancelled`; `ModelError.writeFailed` when
    ///   the disk is full or the folder cannot be written.
    @discardableResult
    public func unpack(
        _ archive: URL, into folder: URL, stripComponents: Int = 0, limits: ArchiveLimits = .init(),
        isCancelled: () -> Bool = { false }, progress: (Int64) -> Void = { _ in }
    ) throws -> ArchiveSummary {
        let name = archive.lastPathComponent
        guard let compression = ArchiveCompression(fileName: name) else {
            throw ModelPullError.archiveCorrupt(archive: name, reason: "its name does not end in .tar, .tar.gz, .tar.bz2 or .tar.xz")
        }
        let createdFolder = try Self.prepare(folder)
        let input = open(archive.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            if createdFolder { try? FileManager.default.removeItem(at: folder) }
            throw ModelPullError.archiveCorrupt(archive: name, reason: "it cannot be opened (\(String(cString: strerror(errno))))")
        }
        defer { close(input) }
        let decompressor = try DecompressorProcess(compression, archive: name, input: input)
        do {
            let summary = try extract(
                TarReader(archiveName: name, limits: limits, read: decompressor?.read ?? Self.reader(of: input)), into: folder,
                stripComponents: stripComponents, archive: name, isCancelled: isCancelled, progress: progress)
            try decompressor?.finish()
            return summary
        } catch {
            let failure = decompressor?.stop() ?? nil
            Self.clean(folder, remove: createdFolder)
            if let failure, let corrupt = error as? ModelPullError, case .archiveCorrupt = corrupt {
                throw ModelPullError.archiveCorrupt(archive: name, reason: failure)
            }
            throw error
        }
    }

    private func extract(
        _ tar: TarReader, into folder: URL, stripComponents: Int, archive: String, isCancelled: () -> Bool,
        progress: (Int64) -> Void
    ) throws -> ArchiveSummary {
        var reader = tar
        var summary = ArchiveSummary()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while let entry = try reader.next() {
            if isCancelled() { throw ModelPullError.cancelled(id: archive) }
            guard let parts = entry.path.droppingLeading(stripComponents) else { continue }
            switch entry.kind {
            case .directory:
                summary.directoriesCreated += try Self.makeFolders(parts, in: folder, archive: archive, entry: entry.path.text)
            case .file:
                summary.directoriesCreated += try Self.makeFolders(
                    Array(parts.dropLast()), in: folder, archive: archive, entry: entry.path.text)
                let path = folder.path + "/" + parts.joined(separator: "/")
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    if errno == EEXIST {
                        throw ModelPullError.archiveRefused(archive: archive, entry: entry.path.text, reason: "appears twice")
                    }
                    throw Self.writeError(path)
                }
                defer { close(fd) }
                while true {
                    let count = try reader.readContents(into: buffer)
                    if count == 0 { break }
                    try Self.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), to: fd, path: path)
                    summary.bytesWritten += Int64(count)
                    progress(summary.bytesWritten)
                    if isCancelled() { throw ModelPullError.cancelled(id: archive) }
                }
                summary.filesWritten += 1
                summary.files.append(parts.joined(separator: "/"))
            }
        }
        _ = try reader.readTrailer()
        return summary
    }

    /// Creates `folder` (or checks that it is an empty folder); true when it made it.
    private static func prepare(_ folder: URL) throws -> Bool {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            let empty = isFolder.boolValue && ((try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty ?? false)
            guard empty else { throw ModelError.writeFailed(path: folder.path, reason: "it must be a new or empty folder to unpack into") }
            return false
        }
        guard mkdir(folder.path, 0o755) == 0 else { throw writeError(folder.path) }
        return true
    }

    /// Makes the folders `parts` below `folder`, one component at a time; an existing
    /// component that is not a real folder refuses the archive. Returns how many it made.
    private static func makeFolders(_ parts: [String], in folder: URL, archive: String, entry: String) throws -> Int {
        var path = folder.path
        var made = 0
        for part in parts {
            path += "/" + part
            var info = stat()
            if lstat(path, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw ModelPullError.archiveRefused(archive: archive, entry: entry, reason: "puts a file inside something that is not a folder")
                }
                continue
            }
            guard mkdir(path, 0o755) == 0 else { throw writeError(path) }
            made += 1
        }
        return made
    }

    private static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw writeError(path)
            }
            done += n
        }
    }

    /// `ModelError.writeFailed` for the last system error at `path` ("the disk is full" for ENOSPC).
    private static func writeError(_ path: String) -> ModelError {
        let code = errno
        let reason = code == ENOSPC || code == EDQUOT ? "the disk is full" : String(cString: strerror(code))
        return ModelError.writeFailed(path: path, reason: reason)
    }

    /// Deletes what was unpacked: `folder` itself when it was made here, else its contents.
    private static func clean(_ folder: URL, remove: Bool) {
        let fm = FileManager.default
        if remove {
            try? fm.removeItem(at: folder)
        } else {
            for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] {
                try? fm.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    /// Reads an uncompressed archive straight from its descriptor.
    private static func reader(of fd: Int32) -> TarReader.ByteSource {
        { buffer in try DecompressorProcess.read(fd, into: buffer) }
    }
}
