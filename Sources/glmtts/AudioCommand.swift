import ArgumentParser

/// `glmtts audio …`: tools for audio files.
struct AudioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Audio tools.",
        subcommands: [AudioInspectCommand.self]
    )
}
