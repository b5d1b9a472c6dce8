import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSModelPull
import GLMTTSServer

/// `glmtts models catalog [--json] [--language TAG] [--clone]`: what can be pulled, and
/// what of it is installed.
struct ModelsCatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Show the published models that `models pull` can install.",
        discussion: "The catalogue is catalogue/models.json in the project ($GLMTTS_CATALOGUE names another file).")

    @Flag(help: "Print JSON: {catalogue, models: [entry + installed], packs}.")
    var json = false

    @Option(help: "Only entries speaking this language (zh, en, ja, en-GB…).")
    var language: String?

    @Flag(help: "Only entries that clone a voice from a reference clip.")
    var clone = false

    mutating func run() async throws {
        let (json, language, clone) = (self.json, self.language, self.clone)
        try await runReportingErrors {
            let settings = try ModelPullSettings.load()
            let engine = try EngineSettings.load()
            let catalogue = try settings.catalogue(root: engine.projectRoot)
            let store = ModelStore(directory: engine.dataDirectory.models)
            let entries = catalogue.models.filter { entry in
                (!clone || entry.capabilities.canClone)
                    && (language.map { tag in
                        entry.languages.contains { LanguageCode.primary($0) == LanguageCode.primary(tag) || $0 == "*" }
                    } ?? true)
            }
            if json {
                let listing = CatalogueListing(
                    catalogue: settings.catalogueURL(root: engine.projectRoot).path,
                    models: entries.map { .init(entry: $0, installed: store.hasManifest(id: $0.id)) }, packs: catalogue.packs)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(listing), as: UTF8.self))
                return
            }
            let rows = entries.map { entry -> [String] in
                let state = store.hasManifest(id: entry.id) ? "installed" : entry.unavailable == nil ? "available" : "unavailable"
                return [
                    entry.id, entry.engine.rawValue, entry.languages.joined(separator: ","), entry.capabilities.canClone ? "yes" : "no",
                    entry.downloadSizeIsListedWhenPulled ? "when pulled" : ModelPullError.size(entry.downloadBytes), entry.needs.device,
                    state,
                    entry.files.allSatisfy(\.hasPublisherDigest) ? "publisher" : "first download",
                ]
            }
            let header = ["ID", "ENGINE", "LANGUAGES", "CLONES", "DOWNLOAD", "DEVICE", "STATE", "CHECKSUM"]
            for line in ModelsListCommand.table([header] + rows) { print(line) }
            print("\(entries.count) of \(catalogue.models.count) entries; packs: \(catalogue.packs.map(\.id).joined(separator: ", "))")
            print(
                "CHECKSUM \"first download\": the publisher states no SHA-256; the hash seen at the first download is recorded and enforced."
            )
        }
    }
}
