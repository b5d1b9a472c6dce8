import Foundation

/// The current `ModelCatalogue` of a `ModelStore`: one snapshot shared by every reader and
/// replaced whole, never edited.
///
/// The snapshot is taken on first use and retaken by `rescan()`, which `EngineRegistry`
/// calls from `refresh()` (SIGHUP, `POST /api/admin/models/reload`), `reload()` and
/// `reload(id:)`. Between rescans no manifest is read; a read costs one `stat` of the models
/// directory, and the snapshot is retaken when the directory itself changed (a model folder
/// added, renamed in or removed — `glmtts models import-piper` renames a finished folder in),
/// so installing or removing a model needs no SIGHUP. A lookup by an id the snapshot does not
/// know, whose folder holds a manifest now, rescans too (a folder made first and filled
/// after). A manifest rewritten in place is seen at the next rescan.
public final class ModelCatalogueCache: ModelCatalogueReading, @unchecked Sendable {
    // @unchecked Sendable: `snapshot` and `stamp` are only read and written under `lock`.

    /// The models directory the snapshots are taken of.
    public let store: ModelStore
    private let lock = NSLock()
    private var snapshot: ModelCatalogue?
    private var stamp: DirectoryStamp?

    /// A cache over `store`; nothing is read until first use.
    public init(store: ModelStore) {
        self.store = store
    }

    /// The current snapshot (retaken first when the models directory changed).
    public var current: ModelCatalogue {
        let now = DirectoryStamp.of(store.directory)
        return lock.withLock {
            if let snapshot, let stamp, stamp.settled, stamp == now { return snapshot }
            return takeSnapshot()
        }
    }

    /// Reads every manifest again and makes that the current snapshot.
    @discardableResult
    public func rescan() -> ModelCatalogue {
        lock.withLock { takeSnapshot() }
    }

    /// Every readable model of the current snapshot, sorted by id.
    public var models: [InstalledModel] { current.models }

    /// The manifests the current snapshot could not read.
    public var problems: [ModelError] { current.problems }

    /// The model `id` in the current snapshot (see `ModelCatalogue.model(id:)`), rescanning
    /// first when the snapshot does not know it but its folder now holds a manifest.
    public func model(id: String) throws -> InstalledModel {
        let catalogue = current
        if !catalogue.knows(id), store.hasManifest(id: id) { return try rescan().model(id: id) }
        return try catalogue.model(id: id)
    }

    /// Scans the store; called with `lock` held, so concurrent rescans never leave an older
    /// scan in place of a newer one.
    private func takeSnapshot() -> ModelCatalogue {
        let taken = DirectoryStamp.of(store.directory)  // before the listing: a change during it shows next time
        let fresh = store.scan()
        snapshot = fresh
        stamp = taken
        return fresh
    }
}
