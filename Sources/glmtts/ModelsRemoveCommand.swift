import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSModelPull
import GLMTTSServer

/// `glmtts models remove ID…`: deletes installed models (the folder is moved out of the
/// models directory first, so a running server never reads half of one).
struct ModelsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Delete installed models.",
        discussion: "A running server unloads a removed model on its next reload (SIGHUP or POST /api/admin/models/reload).")

    @Argument(help: "Installed model ids (see `glmtts models list`).")
    var ids: [String]

    mutating func run() async throws {
        let ids = self.ids
        try await runReportingErrors {
            let models = try EngineSettings.load().dataDirectory.models
            let installer = ModelInstaller(store: ModelStore(directory: models), cache: DownloadCache(models: models))
            for id in ids {
                try installer.remove(id: id)
                print("Removed \(id)")
            }
        }
    }
}
