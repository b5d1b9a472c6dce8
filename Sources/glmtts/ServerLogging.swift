import GLMTTSServer
import Logging

/// The log of the long-running commands (`serve`, `mcp`): structured lines on standard
/// error in the configured format and level, starting with a warning per unknown setting.
enum ServerLogging {
    /// Sets up the logging system for `configuration` and returns the command's logger.
    static func start(_ configuration: ServerConfiguration) -> Logger {
        let format = configuration.logFormat
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StructuredLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "glmtts")
        for name in SettingsSource.unknownNames() {
            logger.warning("ignoring unknown setting \(name) (see .env.example for the settings)")
        }
        return logger
    }
}
