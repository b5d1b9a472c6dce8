import ArgumentParser

/// The `glmtts` command line: synthesis, models, audio tools and benchmarks.
@main
struct GLMTTSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glmtts",
        abstract: "Voice-cloning text-to-speech: synthesis, models, audio tools.",
        subcommands: [
            ServeCommand.self, KeysCommand.self, SynthCommand.self, TranscribeCommand.self, ModelsCommand.self, AudioCommand.self,
            BenchCommand.self, MCPCommand.self, NodesCommand.self,
        ]
    )
}
