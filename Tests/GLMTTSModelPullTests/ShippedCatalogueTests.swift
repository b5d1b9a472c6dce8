import Foundation
import GLMTTSEngine
import GLMTTSTestSupport
import Testing

@testable import GLMTTSModelPull

/// The catalogue in the repo (catalogue/models.json) obeys the rules and holds what the
/// project promises: cloning models, every Piper voice, the Kokoro speakers, Whisper.
@Suite struct ShippedCatalogueTests {
    static let url = TestEnvironment.packageRoot.appendingPathComponent("catalogue/models.json")

    @Test func loadsAndObeysEveryRule() throws {
        let catalogue = try PublishedCatalogue.load(from: Self.url)
        #expect(CatalogueRules.problems(in: catalogue).isEmpty)
        for entry in catalogue.models {
            #expect(!entry.licence.isEmpty, "\(entry.id) names no licence")
            for file in entry.files {
                #expect(file.url.scheme == "https", "\(entry.id): \(file.url)")
                #expect(CatalogueRules.publisherHosts.contains(file.url.host ?? ""), "\(entry.id): \(file.url)")
            }
        }
    }

    @Test func holdsTheCloningModelsAndTheVoicesUsersAskFor() throws {
        let catalogue = try PublishedCatalogue.load(from: Self.url)
        let ids = Set(catalogue.models.map(\.id))
        for id in [
            "zipvoice-zh-en", "pocket-tts-en", "whisper-small", "whisper-medium", "zh_CN-huayan-medium", "kokoro-zf_xiaobei", "glm-tts",
        ] {
            #expect(ids.contains(id), "missing \(id)")
        }
        #expect(catalogue.models.filter { $0.capabilities.canClone }.map(\.engine).contains(.zipvoice))
        let piper = catalogue.models.filter { $0.engine == .piper }
        #expect(piper.count >= 150)
        #expect(Set(piper.compactMap { $0.languages.first }).count >= 40)
        #expect(piper.allSatisfy { $0.files.allSatisfy { $0.md5 != nil } }, "Piper's publisher states an MD5 for every file")
        let kokoro = catalogue.models.filter { $0.engine == .kokoro }
        #expect(kokoro.count == 54)
        #expect(try catalogue.resolve(["kokoro-v1.0"]).allSatisfy { $0.unavailable == nil })
    }

    @Test func unknownIDsSuggestCloseOnes() throws {
        let catalogue = try PublishedCatalogue.load(from: Self.url)
        #expect(throws: ModelPullError.self) { try catalogue.resolve(["huayan"]) }
        #expect(catalogue.suggestions(for: "huayan").contains("zh_CN-huayan-medium"))
    }
}
