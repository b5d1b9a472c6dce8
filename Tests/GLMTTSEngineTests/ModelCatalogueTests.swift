import Foundation
import Testing

@testable import GLMTTSEngine

/// The registry's one catalogue snapshot: read once, retaken on rescan and when the models
/// directory itself changes, answering lookups as `ModelStore.model(id:)` does.
@Suite struct ModelCatalogueTests {
    /// An empty models directory in the temporary folder.
    static func store() throws -> ModelStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return ModelStore(directory: directory)
    }

    static func manifest(_ id: String, description: String = "test") -> ModelManifest {
        ModelManifest(
            id: id, engine: .espeak, description: description, sampleRate: 22_050, languages: ["en"],
            files: [:], licence: "test", capabilities: ManifestCapabilities(canClone: false, streaming: false))
    }

    /// Dates the models directory a minute back, so its stamp is settled and a later change
    /// never shares its modification time.
    static func settle(_ store: ModelStore) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: store.directory.path)
    }

    @Test func aManifestRewrittenInPlaceIsSeenAtTheNextRescan() throws {
        let store = try Self.store()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        _ = try store.write(Self.manifest("a", description: "first"))
        try Self.settle(store)
        let cache = ModelCatalogueCache(store: store)
        #expect(try cache.model(id: "a").manifest.description == "first")
        _ = try store.write(Self.manifest("a", description: "second"))  // inside a/: the models directory is unchanged
        #expect(try cache.model(id: "a").manifest.description == "first")
        #expect(try cache.rescan().model(id: "a").manifest.description == "second")
        #expect(try cache.model(id: "a").manifest.description == "second")
    }

    @Test func aModelFolderAddedOrRemovedIsSeenWithoutARescan() throws {
        let store = try Self.store()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        _ = try store.write(Self.manifest("a"))
        try Self.settle(store)
        let cache = ModelCatalogueCache(store: store)
        #expect(cache.models.map(\.manifest.id) == ["a"])
        _ = try store.write(Self.manifest("b"))  // a new folder: the directory changed
        #expect(cache.models.map(\.manifest.id) == ["a", "b"])
        try Self.settle(store)
        try FileManager.default.removeItem(at: store.directory.appendingPathComponent("a"))
        #expect(cache.models.map(\.manifest.id) == ["b"])
    }

    @Test func aLookupOfAnUnknownIdWhoseManifestNowExistsRescans() throws {
        let store = try Self.store()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        try FileManager.default.createDirectory(at: store.directory.appendingPathComponent("late"), withIntermediateDirectories: true)
        try Self.settle(store)
        let cache = ModelCatalogueCache(store: store)
        #expect(cache.models.isEmpty)
        _ = try store.write(Self.manifest("late"))  // into the folder made before: the directory is unchanged
        #expect(cache.models.isEmpty)
        #expect(try cache.model(id: "late").manifest.id == "late")
        #expect(cache.models.map(\.manifest.id) == ["late"])
    }

    @Test func lookupsAnswerAsTheStoreDoes() throws {
        let store = try Self.store()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        _ = try store.write(Self.manifest("good"))
        let broken = store.directory.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: broken.appendingPathComponent(ModelStore.manifestFileName))
        let catalogue = store.scan()
        #expect(catalogue.models.map(\.manifest.id) == ["good"])
        #expect(catalogue.problems.count == 1)
        #expect(try catalogue.model(id: "good") == store.model(id: "good"))
        for id in ["broken", "nope", "../good"] {
            let fromStore = Result { try store.model(id: id) }.mapError { $0 as! ModelError }
            let fromCatalogue = Result { try catalogue.model(id: id) }.mapError { $0 as! ModelError }
            guard case let .failure(expected) = fromStore else {
                Issue.record("\(id) was found")
                continue
            }
            #expect(fromCatalogue == .failure(expected), "\(id)")
        }
    }
}
