import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSServer

/// `glmtts models list [--json]`: the installed models as a table (or JSON), and any
/// model folders whose manifest cannot be read.
struct ModelsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the installed models.",
        discussion: "Unreadable manifests are reported as warnings on stderr (in --json output: under \"problems\")."
    )

    @Flag(name: .long, help: "Print JSON: {directory, models: [manifest + directory], problems: [{code, message}]}.")
    var json = false

    mutating func run() async throws {
        let asJSON = json
        try await runReportingErrors {
            let store = ModelStore(directory: try EngineSettings.load().dataDirectory.models)
            let catalogue = store.scan()
            let (models, problems) = (catalogue.models, catalogue.problems)
            if asJSON {
                try printJSON(store: store, models: models, problems: problems)
            } else {
                printTable(store: store, models: models, problems: problems)
            }
        }
    }

    private func printTable(store: ModelStore, models: [InstalledModel], problems: [ModelError]) {
        if models.isEmpty {
            print(
                "No models installed in \(store.directory.path). Pull one with `glmtts models pull ID` (see `glmtts models catalog`), import a Piper voice with `glmtts models import-piper VOICE.onnx`, or run scripts/prepare-models."
            )
        } else {
            let header = ["ID", "ENGINE", "LANGUAGES", "RATE", "CLONE", "LICENCE"]
            let rows = models.map { model -> [String] in
                let manifest = model.manifest
                return [
                    manifest.id, manifest.engine.rawValue, manifest.languages.joined(separator: ","),
                    String(manifest.sampleRate), manifest.capabilities.canClone ? "yes" : "no",
                    Self.short(manifest.licence, limit: 32),
                ]
            }
            for line in Self.table([header] + rows) { print(line) }
            print("\(models.count) model\(models.count == 1 ? "" : "s") in \(store.directory.path)")
        }
        for problem in problems {
            printToStandardError("warning: \(problem.message)")
        }
    }

    private func printJSON(store: ModelStore, models: [InstalledModel], problems: [ModelError]) throws {
        let listing = Listing(
            directory: store.directory.path,
            models: models.map { Listing.Model(manifest: $0.manifest, directory: $0.directory.path) },
            problems: problems.map { Listing.Problem(code: $0.code, message: $0.message) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(listing), as: UTF8.self))
    }

    /// Left-aligned columns separated by two spaces, without trailing blanks.
    static func table(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    /// `text` cut to `limit` characters, with an ellipsis when it was longer.
    static func short(_ text: String, limit: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }
}

/// The JSON shape of `glmtts models list --json`.
private struct Listing: Encodable {
    /// One installed model: its manifest fields plus the folder it lives in.
    struct Model: Encodable {
        var manifest: ModelManifest
        var directory: String

        private enum CodingKeys: String, CodingKey { case directory }

        func encode(to encoder: any Encoder) throws {
            try manifest.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(directory, forKey: .directory)
        }
    }

    /// A model folder that could not be read.
    struct Problem: Encodable {
        var code: String
        var message: String
    }

    var directory: String
    var models: [Model]
    var problems: [Problem]
}
