import Foundation
import GLMTTSEngine
import Testing

@testable import GLMTTSModelPull

/// Each rule of `CatalogueRules` catches what it is for.
@Suite struct CatalogueRulesTests {
    static func entry(id: String = "voice", url: String = "https://huggingface.co/a/b/resolve/main/x.onnx", licence: String = "MIT")
        -> PublishedModel
    {
        PublishedModel(
            id: id, engine: .piper, description: "a voice", languages: ["en"], licence: licence, sampleRate: 22050,
            capabilities: .init(canClone: false, streaming: true), needs: .init(device: "cpu", memoryMiB: 100, diskMiB: 70),
            files: [
                PublishedFile(name: "x.onnx", url: URL(string: url)!, size: 10),
                PublishedFile(name: "x.onnx.json", url: URL(string: url + ".json")!, size: 10),
            ],
            install: [.importPiper(file: "x.onnx", config: "x.onnx.json", card: nil)], manifestFiles: [:])
    }

    @Test func aValidEntryPasses() {
        #expect(CatalogueRules.problems(in: PublishedCatalogue(models: [Self.entry()])).isEmpty)
    }

    @Test func refusesPlainHTTPForeignHostsMissingLicencesAndUnsafeIDs() {
        let cases: [(PublishedModel, String)] = [
            (Self.entry(url: "http://huggingface.co/x.onnx"), "https"),
            (Self.entry(url: "https://evil.example/x.onnx"), "publisher"),
            (Self.entry(licence: " "), "licence"),
            (Self.entry(id: "../up"), "safe"),
            (Self.entry(id: ".pull"), "safe"),
        ]
        for (entry, word) in cases {
            let problems = CatalogueRules.problems(in: PublishedCatalogue(models: [entry]))
            #expect(problems.contains { $0.contains(word) }, "\(entry.id) \(entry.files[0].url): \(problems)")
        }
    }

    @Test func refusesStepsOnUnknownFilesAndPacksOfUnknownEntries() {
        var entry = Self.entry()
        entry.install.append(.place(file: "other.bin", as: nil))
        entry.install.append(.place(file: "x.onnx", as: "../escape"))
        let catalogue = PublishedCatalogue(models: [entry], packs: [ModelPack(id: "pack", description: "p", members: ["voice", "ghost"])])
        let problems = CatalogueRules.problems(in: catalogue)
        #expect(problems.contains { $0.contains("other.bin") })
        #expect(problems.contains { $0.contains("../escape") })
        #expect(problems.contains { $0.contains("ghost") })
    }

    @Test func aCatalogueBreakingARuleIsRefusedWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("models.json")
        try JSONEncoder().encode(PublishedCatalogue(models: [Self.entry(), Self.entry(url: "ftp://x/y")])).write(to: url)
        #expect {
            try PublishedCatalogue.load(from: url)
        } throws: { error in
            (error as? ModelPullError)?.code == ProblemCode.modelCatalogueInvalid
        }
        try Data("{ not json".utf8).write(to: url)
        #expect(throws: ModelPullError.self) { try PublishedCatalogue.load(from: url) }
    }

    @Test func mirrorsReplaceSchemeAndHostOnly() throws {
        let mirror = try #require(ModelMirror("http://127.0.0.1:8080/models/"))
        let url = URL(string: "https://huggingface.co/rhasspy/piper-voices/resolve/main/zh/x.onnx")!
        #expect(mirror.rewrite(url).absoluteString == "http://127.0.0.1:8080/models/rhasspy/piper-voices/resolve/main/zh/x.onnx")
        #expect(ModelMirror("ftp://mirror") == nil)
        #expect(ModelMirror("not a url") == nil)
        #expect(ModelMirror("https://m.example/?token=1") == nil)
        #expect(ModelMirror.display(URL(string: "https://user:secret@m.example/a")!) == "https://m.example/a")
    }
}
