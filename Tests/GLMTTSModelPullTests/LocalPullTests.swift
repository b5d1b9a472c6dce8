import Foundation
import GLMTTSEngine
import GLMTTSTestSupport
import Testing

@testable import GLMTTSModelPull

/// Pulling from files already downloaded (`--from`), with the real joe voice: install,
/// digests, verify, skip, force, remove, and a checksum mismatch that installs nothing.
@Suite struct LocalPullTests {
    /// A fresh models directory with a puller over a catalogue of `entries`.
    static func puller(_ entries: [PublishedModel]) throws -> (ModelPuller, URL, DownloadClient) {
        let models = FileManager.default.temporaryDirectory.appendingPathComponent("pull-\(UUID().uuidString)/models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let client = DownloadClient()
        let downloader = ModelDownloader(client: client, cache: DownloadCache(models: models), mirror: nil)
        let puller = ModelPuller(catalogue: PublishedCatalogue(models: entries), store: ModelStore(directory: models), downloader: downloader)
        return (puller, models, client)
    }

    /// The models directory's entries other than the private `.pull` folder.
    static func visible(_ models: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: models.path).filter { $0 != ".pull" }.sorted()
    }

    @Test func installsVerifiesSkipsReplacesAndRemoves() async throws {
        let (puller, models, client) = try Self.puller([try JoeVoiceSource.entry()])
        defer { try? FileManager.default.removeItem(at: models.deletingLastPathComponent()) }
        let source = try JoeVoiceSource.folder
        let report = try await puller.pull(["joe-pulled"], from: source)
        #expect(report.installed == ["joe-pulled"])
        #expect(report.bytesDownloaded == 0)
        let model = try puller.store.model(id: "joe-pulled")
        #expect(model.manifest.engine == .piper)
        #expect(model.manifest.source?.catalogueID == "joe-pulled")
        #expect(model.manifest.source?.publisherDigestsChecked == true)
        let digests = try #require(model.manifest.digests)
        #expect(Set(digests.keys).isSuperset(of: ["model.onnx", "tokens.txt", "piper.json"]))
        #expect(ModelVerifier(store: puller.store).verify(model).passed)
        #expect(FileManager.default.fileExists(atPath: source.appendingPathComponent("en_US-joe-medium.onnx").path), "--from never moves")

        let again = try await puller.pull(["joe-pulled"], from: source)
        #expect(again.skipped == ["joe-pulled"] && again.installed.isEmpty)

        let tokens = model.directory.appendingPathComponent("tokens.txt")
        try Data("tampered\n".utf8).write(to: tokens)
        let tampered = ModelVerifier(store: puller.store).verify(model)
        #expect(!tampered.passed && tampered.problems.contains { $0.contains("tokens.txt") })

        let forced = try await puller.pull(["joe-pulled"], force: true, from: source)
        #expect(forced.installed == ["joe-pulled"])
        #expect(ModelVerifier(store: puller.store).verify(try puller.store.model(id: "joe-pulled")).passed)

        try puller.installer.remove(id: "joe-pulled")
        #expect(try Self.visible(models).isEmpty)
        #expect(throws: ModelError.self) { try puller.installer.remove(id: "joe-pulled") }
        await client.shutdown()
    }

    @Test func aChecksumMismatchInstallsNothingAndKeepsTheUsersFile() async throws {
        let (puller, models, client) = try Self.puller([try JoeVoiceSource.entry(md5Override: String(repeating: "0", count: 32))])
        defer { try? FileManager.default.removeItem(at: models.deletingLastPathComponent()) }
        await #expect {
            try await puller.pull(["joe-pulled"], from: try JoeVoiceSource.folder)
        } throws: { error in
            (error as? ModelPullError)?.code == ProblemCode.modelChecksumMismatch
        }
        #expect(try Self.visible(models).isEmpty)
        #expect(FileManager.default.fileExists(atPath: try JoeVoiceSource.folder.appendingPathComponent("en_US-joe-medium.onnx").path))
        let staging = try FileManager.default.contentsOfDirectory(atPath: models.appendingPathComponent(".pull").path)
        #expect(!staging.contains { $0.hasPrefix("staging-") })
        await client.shutdown()
    }

    @Test func aMissingSourceFileSaysWhatIsMissing() async throws {
        let (puller, models, client) = try Self.puller([try JoeVoiceSource.entry()])
        defer { try? FileManager.default.removeItem(at: models.deletingLastPathComponent()) }
        await #expect {
            try await puller.pull(["joe-pulled"], from: models)
        } throws: { error in
            guard case .sourceMissing = error as? ModelPullError else { return false }
            return true
        }
        await client.shutdown()
    }
}
