import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSServer

/// `glmtts models import-piper VOICE.onnx [VOICE.onnx.json] [--id ID] [--force]`: imports
/// a published Piper voice into the models directory (see `PiperVoiceImporter`).
struct ImportPiperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-piper",
        abstract: "Import a Piper voice (.onnx + .onnx.json) so that sherpa-onnx can run it.",
        discussion: """
            Only espeak-phonemized Piper voices are supported. Importing the same files again does \
            nothing and says "already imported"; a different voice with an existing id needs --force.
            """
    )

    @Argument(help: "The voice's .onnx file.")
    var onnx: String

    @Argument(help: "Its Piper config (default: the .onnx path + .json).")
    var config: String?

    @Option(help: "Model id (default: the .onnx file name without .onnx). Letters, digits, '.', '_', '-'.")
    var id: String?

    @Flag(help: "Replace an existing model with the same id.")
    var force = false

    mutating func run() async throws {
        let onnx = URL(fileURLWithPath: self.onnx)
        let config = self.config.map { URL(fileURLWithPath: $0) }
        let id = self.id
        let force = self.force
        try await runReportingErrors {
            let store = ModelStore(directory: try EngineSettings.load().dataDirectory.models)
            let result = try await BlockingExecutor(label: "import-piper").run {
                try PiperVoiceImporter().importVoice(onnx: onnx, config: config, into: store, id: id, overwrite: force)
            }
            let manifest = result.model.manifest
            let summary =
                "\(manifest.sampleRate) Hz, \(manifest.languages.joined(separator: ",")), \(result.tokenCount) tokens, licence \(manifest.licence)"
            switch result.outcome {
            case .imported:
                print("Imported Piper voice '\(manifest.id)' into \(result.model.directory.path) (\(summary)).")
            case .replaced:
                print("Replaced model '\(manifest.id)' in \(result.model.directory.path) (\(summary)).")
            case .alreadyImported:
                print(
                    "Piper voice '\(manifest.id)' is already imported from this source in \(result.model.directory.path); nothing to do (use --force to import it again)."
                )
            }
            if !result.skippedSymbols.isEmpty {
                print(
                    "note: \(result.skippedSymbols.count) phoneme symbol(s) left out of tokens.txt because sherpa-onnx cannot read them: \(result.skippedSymbols.joined(separator: " "))"
                )
            }
        }
    }
}
