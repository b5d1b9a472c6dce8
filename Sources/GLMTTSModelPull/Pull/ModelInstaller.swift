import Foundation
import GLMTTSEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Turns checked downloads into an installed model, atomically: every step runs in a
/// private staging folder under `<models>/.pull/`, the manifest (with the SHA-256 of every
/// file) is written last, and only then is the folder renamed into `<models>/<id>`. A
/// failure, a cancel or a kill at any point leaves the models directory as it was.
public struct ModelInstaller: Sendable {
    /// The models directory.
    public let store: ModelStore
    /// The pull cache (staging folders live there).
    public let cache: DownloadCache
    /// Limits for archives.
    public let limits: ArchiveLimits

    public init(store: ModelStore, cache: DownloadCache, limits: ArchiveLimits = .init()) {
        self.store = store
        self.cache = cache
        self.limits = limits
    }

    /// Installs `entry` from `files` (file name → checked file). `force` replaces an
    /// installed model of the same id (the old folder is removed only after the new one is
    /// in place); without it an installed model is `ModelPullError.alreadyInstalled`.
    public func install(
        _ entry: PublishedModel, files: [String: DownloadedFile], force: Bool, isCancelled: @Sendable () -> Bool = { false }
    ) throws -> InstalledModel {
        let staging = try cache.makeStaging()
        defer { try? FileManager.default.removeItem(at: staging) }
        let folder = staging.appendingPathComponent(entry.id, isDirectory: true)
        var manifest = entry.manifest
        for (index, step) in entry.install.enumerated() {
            if isCancelled() { throw ModelPullError.cancelled(id: entry.id) }
            func input(_ name: String) throws -> DownloadedFile {
                guard let file = files[name] else { throw ModelPullError.sourceMissing(id: entry.id, file: name, searched: "the downloads") }
                return file
            }
            try Self.createFolder(folder)
            switch step {
            case let .unpack(name, strip):
                let scratch = staging.appendingPathComponent("unpack-\(index)", isDirectory: true)
                let named = try Self.named(try input(name).location, as: name, in: staging.appendingPathComponent("src-\(index)"))
                _ = try ArchiveUnpacker().unpack(named, into: scratch, stripComponents: strip, limits: limits, isCancelled: isCancelled)
                try Self.merge(scratch, into: folder, archive: name)
            case let .place(name, target):
                let path = target ?? name
                guard RepositorySnapshot.isSafe(path) else {
                    throw ModelPullError.archiveRefused(archive: entry.id, entry: path, reason: "is not a safe place in the model folder")
                }
                let destination = folder.appendingPathComponent(path)
                try Self.createFolder(destination.deletingLastPathComponent())
                try Self.link(try input(name).location, to: destination)
            case let .join(names, target):
                try Self.join(try names.map { try input($0).location }, into: folder.appendingPathComponent(target), isCancelled: isCancelled)
                if isCancelled() { throw ModelPullError.cancelled(id: entry.id) }
            case let .importPiper(onnx, config, card):
                let source = staging.appendingPathComponent("piper-\(index)", isDirectory: true)
                let voice = try Self.named(try input(onnx).location, as: onnx, in: source)
                let json = try Self.named(try input(config).location, as: config, in: source)
                if let card { _ = try Self.named(try input(card).location, as: "MODEL_CARD", in: source) }
                try? FileManager.default.removeItem(at: folder)
                let imported = try PiperVoiceImporter().importVoice(
                    onnx: voice, config: json, into: ModelStore(directory: staging), id: entry.id, overwrite: true)
                manifest = imported.model.manifest
                manifest.description = entry.description
                manifest.licence = entry.licence
            }
        }
        manifest.digests = try Self.digests(of: folder)
        manifest.source = ModelSource(
            catalogueID: entry.id, installedAt: ISO8601DateFormatter().string(from: Date()),
            urls: Dictionary(uniqueKeysWithValues: entry.files.map { ($0.name, $0.url.absoluteString) }),
            publisherDigestsChecked: entry.files.allSatisfy { files[$0.name]?.publisherDigestChecked ?? false })
        _ = try ModelStore(directory: staging).write(manifest)
        let staged = try ModelStore(directory: staging).model(id: entry.id)
        for role in staged.manifest.files.keys.sorted() {
            do {
                _ = try staged.fileURL(role)
            } catch {
                throw ModelPullError.archiveCorrupt(
                    archive: entry.files.map(\.name).joined(separator: ", "),
                    reason: "the model's \(role) file '\(staged.manifest.files[role] ?? role)' is not in it")
            }
        }
        if isCancelled() { throw ModelPullError.cancelled(id: entry.id) }
        try moveIntoPlace(folder, id: entry.id, force: force, staging: staging)
        return try store.model(id: entry.id)
    }

    /// Removes installed model `id`: the folder is first renamed out of the models
    /// directory (so no reader sees half of it), then deleted.
    public func remove(id: String) throws {
        _ = try store.model(id: id)
        try cache.prepare()
        let trash = cache.root.appendingPathComponent("removing-" + UUID().uuidString.lowercased(), isDirectory: true)
        try Self.rename(store.directory.appendingPathComponent(id, isDirectory: true), to: trash)
        try? FileManager.default.removeItem(at: trash)
    }

    private func moveIntoPlace(_ folder: URL, id: String, force: Bool, staging: URL) throws {
        let target = store.directory.appendingPathComponent(id, isDirectory: true)
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: target.path) {
            guard force else { throw ModelPullError.alreadyInstalled(id: id) }
            try Self.rename(target, to: staging.appendingPathComponent("replaced", isDirectory: true))
        }
        try Self.rename(folder, to: target)
    }

    /// SHA-256 of every regular file under `folder` except the manifest, by relative path.
    static func digests(of folder: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        let base = folder.standardizedFileURL.path
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = walker?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            if path == ModelStore.manifestFileName { continue }
            result[path] = try FileDigester.sha256(of: url)
        }
        return result
    }

    /// `source` under its published name `name` in `folder` (a hard link, or a copy across
    /// file systems), for steps whose tools read names (the Piper importer, the unpacker).
    private static func named(_ source: URL, as name: String, in folder: URL) throws -> URL {
        try createFolder(folder)
        let target = folder.appendingPathComponent(name)
        try link(source, to: target)
        return target
    }

    /// Hard-links `source` to `target` (a copy when linking is impossible).
    private static func link(_ source: URL, to target: URL) throws {
        if Glibc.link(source.path, target.path) == 0 { return }
        do {
            try FileManager.default.copyItem(at: source, to: target)
        } catch {
            throw ModelError.writeFailed(path: target.path, reason: error.localizedDescription)
        }
    }

    /// Moves what an archive unpacked into the model folder; a name that is already there
    /// (from an earlier step) refuses the install.
    private static func merge(_ scratch: URL, into folder: URL, archive: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: scratch.path) {
            let target = folder.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: target.path) {
                throw ModelPullError.archiveRefused(archive: archive, entry: name, reason: "would overwrite a file of another step")
            }
            try rename(scratch.appendingPathComponent(name), to: target)
        }
    }

    private static func join(_ parts: [URL], into target: URL, isCancelled: () -> Bool) throws {
        guard FileManager.default.createFile(atPath: target.path, contents: nil), let out = try? FileHandle(forWritingTo: target) else {
            throw ModelError.writeFailed(path: target.path, reason: "cannot create it")
        }
        defer { try? out.close() }
        do {
            for part in parts {
                let input = try FileHandle(forReadingFrom: part)
                defer { try? input.close() }
                while let chunk = try input.read(upToCount: 4 << 20), !chunk.isEmpty {
                    if isCancelled() { return }
                    try out.write(contentsOf: chunk)
                }
            }
        } catch {
            throw ModelError.writeFailed(path: target.path, reason: error.localizedDescription)
        }
    }

    private static func rename(_ source: URL, to target: URL) throws {
        guard Glibc.rename(source.path, target.path) == 0 else {
            throw ModelError.writeFailed(path: target.path, reason: String(cString: strerror(errno)))
        }
    }

    private static func createFolder(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError.writeFailed(path: folder.path, reason: error.localizedDescription)
        }
    }
}
