import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// Hot reload on a copy of a real (espeak-ng) model whose files the tests change.
@Suite struct EngineRegistryReloadTests {
    /// A models folder with a copy of `espeak-en-us` named `reload-voice`.
    static func store() throws -> (ModelStore, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-reload-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("reload-voice")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try TestEnvironment.model("espeak-en-us").directory, to: folder)
        var manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json"))) as! [String: Any]
        manifest["id"] = "reload-voice"
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("manifest.json"))
        return (ModelStore(directory: root), root)
    }

    final class EventLog: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [EngineEvent] = []
        func add(_ event: EngineEvent) { lock.withLock { stored.append(event) } }
        var events: [EngineEvent] { lock.withLock { stored } }
    }

    @Test func reloadSwapsInANewInstanceAndAFailedLoadKeepsTheOld() async throws {
        let (store, root) = try Self.store()
        defer { try? FileManager.default.removeItem(at: root) }
        let log = EventLog()
        let registry = EngineRegistry(store: store, events: { log.add($0) })
        let first = try await registry.synthesizer(id: "reload-voice")
        let state = try await registry.state(of: "reload-voice")
        #expect(state.loaded && state.revision != nil)
        // Unchanged files: refresh leaves it alone.
        let quiet = await registry.refresh()
        #expect(quiet.unchanged == ["reload-voice"] && quiet.reloaded.isEmpty)
        // Changed files: a new instance after reload; the old one still works for its holder.
        let manifestURL = root.appendingPathComponent("reload-voice/manifest.json")
        // A modification time set explicitly a minute past the recorded one, so the change
        // never hangs on the file system's timestamp granularity or the clock.
        let recorded = try #require(try FileManager.default.attributesOfItem(atPath: manifestURL.path)[.modificationDate] as? Date)
        try FileManager.default.setAttributes([.modificationDate: recorded.addingTimeInterval(60)], ofItemAtPath: manifestURL.path)
        let report = await registry.refresh()
        #expect(report.reloaded == ["reload-voice"])
        let second = try await registry.synthesizer(id: "reload-voice")
        let swapped = (first as AnyObject) !== (second as AnyObject)
        #expect(swapped)
        #expect(try await registry.state(of: "reload-voice").revision != state.revision)
        // A manifest that no longer parses: reload fails, the loaded instance keeps serving.
        try Data("{ not json".utf8).write(to: manifestURL)
        var failed = false
        do { try await registry.reload(id: "reload-voice") } catch { failed = true }
        #expect(failed)
        let still = try await registry.synthesizer(id: "reload-voice")
        let kept = (still as AnyObject) === (second as AnyObject)
        #expect(kept)
        // Unload and idle unloading.
        #expect(await registry.unload(id: "reload-voice"))
        #expect(await registry.loadedIDs().isEmpty)
        #expect(!(await registry.unload(id: "reload-voice")))
    }

    @Test func idleModelsAreUnloadedAndRemovedOnesForgotten() async throws {
        let (store, root) = try Self.store()
        defer { try? FileManager.default.removeItem(at: root) }
        let log = EventLog()
        let registry = EngineRegistry(store: store, events: { log.add($0) })
        _ = try await registry.synthesizer(id: "reload-voice")
        #expect(await registry.unloadIdle(for: .seconds(86_400)).isEmpty)  // just used: far from a day idle
        // Idle for 10 ms happens soon; poll (bounded) instead of guessing a sleep.
        var unloaded: [String] = []
        await poll("reload-voice to be unloaded after 10 ms idle") {
            unloaded = await registry.unloadIdle(for: .milliseconds(10))
            return !unloaded.isEmpty
        }
        #expect(unloaded == ["reload-voice"])
        _ = try await registry.load(id: "reload-voice")
        try FileManager.default.removeItem(at: root.appendingPathComponent("reload-voice"))
        #expect(await registry.refresh().unloaded == ["reload-voice"])
        let events = log.events
        #expect(events.contains(.modelUnloaded(id: "reload-voice", reason: "idle")))
        #expect(events.contains(.modelUnloaded(id: "reload-voice", reason: "removed")))
        #expect(events.filter { if case .modelLoaded = $0 { return true } else { return false } }.count == 2)
    }
}
