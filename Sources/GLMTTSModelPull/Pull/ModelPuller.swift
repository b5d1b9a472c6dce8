import Foundation
import GLMTTSEngine

/// Pulls catalogue entries into the models directory: for each model, one at a time across
/// processes (`PullLock`), it checks free space, downloads (or takes from `--from`) and
/// checks every file, installs atomically (`ModelInstaller`), and only then deletes the
/// downloads. Files shared by several entries of one pull (the Kokoro speakers share one
/// model file) are fetched once.
public struct ModelPuller: Sendable {
    /// The catalogue.
    public let catalogue: PublishedCatalogue
    /// The models directory.
    public let store: ModelStore
    /// Fetches files.
    public let downloader: ModelDownloader
    /// Installs them.
    public let installer: ModelInstaller

    public init(catalogue: PublishedCatalogue, store: ModelStore, downloader: ModelDownloader, limits: ArchiveLimits = .init()) {
        self.catalogue = catalogue
        self.store = store
        self.downloader = downloader
        self.installer = ModelInstaller(store: store, cache: downloader.cache, limits: limits)
    }

    /// Pulls `ids` (entries or packs). Installed models are skipped unless `force`.
    /// `source` installs from files already downloaded (a file, or a folder holding them by
    /// their published names) instead of the network. `progress` is called often (callers
    /// throttle). Cancelling the task stops at the next chunk and installs nothing of the
    /// model being pulled; partial downloads stay for the next pull to resume.
    public func pull(
        _ ids: [String], force: Bool = false, from source: URL? = nil, progress: @escaping @Sendable (PullProgress) -> Void = { _ in }
    ) async throws -> PullReport {
        let entries = try catalogue.resolve(ids)
        if ids.count == 1, entries.count == 1, let reason = entries[0].unavailable {
            throw ModelPullError.unavailable(id: entries[0].id, reason: reason)
        }
        let cache = downloader.cache
        try cache.prepare()
        cache.removeStaleStaging()
        var report = PullReport()
        var fetched: [URL: DownloadedFile] = [:]
        let pullable = entries.filter { $0.unavailable == nil }
        for (offset, entry) in pullable.enumerated() {
            let position = (index: offset + 1, count: pullable.count)
            /// Records `entry` as skipped when it is installed and not to be replaced.
            func skipIfInstalled() -> Bool {
                guard store.hasManifest(id: entry.id), !force else { return false }
                report.skipped.append(entry.id)
                progress(PullProgress(model: entry.id, index: position.index, count: position.count, phase: .skipped))
                return true
            }
            if skipIfInstalled() { continue }
            let lock = try await PullLock.acquire(id: entry.id, in: cache) {
                progress(PullProgress(model: entry.id, index: position.index, count: position.count, phase: .waiting))
            }
            defer { withExtendedLifetime(lock) {} }
            if skipIfInstalled() { continue }  // another process installed it while this one waited
            let into = entry.snapshot?.into
            let entry = try await expand(entry, from: source)
            let (files, downloaded) = try await gather(
                entry, position: position, from: source.map { LocalModelSource(root: $0, snapshotInto: into) }, fetched: &fetched,
                progress: progress)
            report.bytesDownloaded += downloaded
            progress(
                PullProgress(
                    model: entry.id, index: position.index, count: position.count, phase: .installing, bytesDone: entry.downloadBytes,
                    bytesTotal: entry.downloadBytes))
            let installer = self.installer
            let cancelled = CancellationFlag()
            try await withTaskCancellationHandler {
                _ = try await Task.detached {
                    try installer.install(entry, files: files, force: force, isCancelled: { cancelled.isSet })
                }.value
            } onCancel: {
                cancelled.set()
            }
            report.installed.append(entry.id)
            progress(
                PullProgress(
                    model: entry.id, index: position.index, count: position.count, phase: .installed, bytesDone: entry.downloadBytes,
                    bytesTotal: entry.downloadBytes))
        }
        for file in fetched.values where file.location.path.hasPrefix(cache.downloads.path) {
            try? FileManager.default.removeItem(at: file.location)
        }
        return report
    }

    /// `entry` with its snapshot listed (from the publisher's API, or from the `--from`
    /// folder), each listed file placed at its path.
    private func expand(_ entry: PublishedModel, from source: URL?) async throws -> PublishedModel {
        guard let snapshot = entry.snapshot else { return entry }
        let listed =
            if let source {
                try LocalModelSource(root: source, snapshotInto: snapshot.into).snapshotFiles(snapshot, for: entry.id)
            } else {
                try await HuggingFaceTree(client: downloader.client, mirror: downloader.mirror).files(of: snapshot, entry: entry.id)
            }
        var expanded = entry
        expanded.snapshot = nil
        expanded.files += listed
        expanded.install += listed.map { .place(file: $0.name, as: $0.name) }
        return expanded
    }

    /// The checked files of `entry`: from `source`, from earlier entries of this pull, or
    /// downloaded; and the bytes fetched over the network.
    private func gather(
        _ entry: PublishedModel, position: (index: Int, count: Int), from source: LocalModelSource?, fetched: inout [URL: DownloadedFile],
        progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws -> ([String: DownloadedFile], Int64) {
        let total = entry.downloadBytes
        try checkSpace(for: entry, source: source, fetched: fetched)
        var files: [String: DownloadedFile] = [:]
        var done: Int64 = 0
        var network: Int64 = 0
        for file in entry.files {
            if let known = fetched[file.url] {
                files[file.name] = known
                done += file.size
                continue
            }
            let base = done
            let meter = ProgressMeter(model: entry.id, position: position, file: file.name, base: base, total: total, report: progress)
            let checked: DownloadedFile
            if let source {
                checked = try source.take(file, for: entry.id, downloader: downloader) { meter.update($0, phase: .verifying) }
            } else {
                let before = ModelDownloader.size(of: downloader.cache.partial(for: file.url))
                checked = try await downloader.fetch(file) { meter.update($0, phase: .downloading) }
                network += file.size - min(before, file.size)
            }
            fetched[file.url] = checked
            files[file.name] = checked
            done += file.size
        }
        return (files, network)
    }

    /// Refuses a pull that cannot fit: what is left to download plus the installed size,
    /// with 64 MiB to spare.
    private func checkSpace(for entry: PublishedModel, source: LocalModelSource?, fetched: [URL: DownloadedFile]) throws {
        var needed: Int64 = 64 << 20
        if source == nil {
            for file in entry.files where fetched[file.url] == nil {
                needed += max(file.size - ModelDownloader.size(of: downloader.cache.partial(for: file.url)), 0)
            }
        }
        needed += max(Int64(entry.needs.diskMiB) << 20, entry.downloadBytes)
        if let free = DiskSpace.freeBytes(at: store.directory), free < needed {
            throw ModelPullError.diskFull(path: store.directory.path, neededBytes: needed, freeBytes: free)
        }
    }
}
