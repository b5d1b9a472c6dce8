package import Foundation
package import GLMTTSEngine

/// The settings the engines need, shared by the server and every CLI command: where the
/// data and models are, where the project (workers, venv, web files) is, the default
/// voices, and whether worker logs go to standard error (`GLMTTS_VERBOSE=1`, CLI only).
package struct EngineSettings: Sendable, Equatable {
    /// The data directory and its models folder (`GLMTTS_DATA_DIR`, `GLMTTS_MODELS_DIR`).
    package var dataDirectory: DataDirectory
    /// The folder holding `workers/`, `.venv/`, `Public/` and `vendor/` (`GLMTTS_ROOT`, else
    /// found from the executable's location).
    package var projectRoot: URL
    /// Default voices (`GLMTTS_DEFAULT_VOICE`, `GLMTTS_DEFAULT_VOICES`).
    package var voiceDefaults: VoiceDefaults
    /// Whether the CLI shows worker log lines (`GLMTTS_VERBOSE=1`).
    package var verboseWorkers: Bool

    package init(
        dataDirectory: DataDirectory, projectRoot: URL = ProjectRoot.locate(), voiceDefaults: VoiceDefaults = VoiceDefaults(),
        verboseWorkers: Bool = false
    ) {
        self.dataDirectory = dataDirectory
        self.projectRoot = projectRoot
        self.voiceDefaults = voiceDefaults
        self.verboseWorkers = verboseWorkers
    }

    /// The engine settings in `settings`.
    package init(_ settings: SettingsReader) {
        self.init(
            dataDirectory: .resolve(dataPath: settings.string("GLMTTS_DATA_DIR"), modelsPath: settings.string("GLMTTS_MODELS_DIR")),
            projectRoot: ProjectRoot.locate(configured: settings.string("GLMTTS_ROOT")),
            voiceDefaults: VoiceDefaults(
                voice: settings.string("GLMTTS_DEFAULT_VOICE"), languages: settings.string("GLMTTS_DEFAULT_VOICES")),
            verboseWorkers: settings.string("GLMTTS_VERBOSE") == "1")
    }

    /// The engine settings of this process (environment over the `GLMTTS_CONFIG` file).
    package static func load() throws -> EngineSettings {
        EngineSettings(try SettingsSource.reader())
    }

    /// A registry over the configured models and project, logging to `log`.
    package func makeRegistry(
        log: @escaping @Sendable (String) -> Void = { _ in },
        events: @escaping EngineEventSink = { _ in }
    ) -> EngineRegistry {
        EngineRegistry(
            store: ModelStore(directory: dataDirectory.models), projectRoot: projectRoot, log: log, events: events,
            voiceDefaults: voiceDefaults)
    }
}
