import ArgumentParser

/// `glmtts models`: list and import the models in the models directory
/// (`GLMTTS_MODELS_DIR`, else `<data dir>/models`).
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List and import models.",
        discussion: "The models directory is $GLMTTS_MODELS_DIR, else $GLMTTS_DATA_DIR/models, else ./data/models.",
        subcommands: [ModelsListCommand.self, ImportPiperCommand.self],
        defaultSubcommand: ModelsListCommand.self
    )
}
