import ArgumentParser

/// `glmtts models`: list, pull, verify, remove and import the models in the models directory
/// (`GLMTTS_MODELS_DIR`, else `<data dir>/models`).
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, pull, import, verify and remove models.",
        discussion: "The models directory is $GLMTTS_MODELS_DIR, else $GLMTTS_DATA_DIR/models, else ./data/models.",
        subcommands: [
            ModelsListCommand.self, ModelsCatalogCommand.self, ModelsPullCommand.self, ModelsVerifyCommand.self, ModelsRemoveCommand.self,
            ImportPiperCommand.self,
        ],
        defaultSubcommand: ModelsListCommand.self
    )
}
