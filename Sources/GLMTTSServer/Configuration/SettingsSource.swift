import Configuration
package import Foundation
import GLMTTSEngine

/// Where settings come from, from highest to lowest precedence: `GLMTTS_*` environment
/// variables, then a settings file (`GLMTTS_CONFIG`, or `glmtts serve --config`; KEY=VALUE
/// lines as in `.env.example`), then the built-in defaults (in the settings types). The
/// `glmtts serve` flags are applied over the result by the command.
package enum SettingsSource {
    /// The settings of `environment` (default: this process's) over those of the settings
    /// file. Throws `ConfigurationError` naming the file and line of a malformed line or an
    /// unknown name.
    package static func reader(
        environment: [String: String] = ProcessEnvironment.variables,
        configFile: URL? = nil
    ) throws -> SettingsReader {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: environment)]
        let file = configFile ?? environment["GLMTTS_CONFIG"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        if let file {
            let settings = try SettingsFile.read(file, known: SettingName.all)
            providers.append(EnvironmentVariablesProvider(environmentVariables: settings))
        }
        return SettingsReader(reader: ConfigReader(providers: providers))
    }

    /// `GLMTTS_*` variables in `environment` that are not settings (for a warning at start).
    package static func unknownNames(in environment: [String: String] = ProcessEnvironment.variables) -> [String] {
        environment.keys.filter { $0.hasPrefix("GLMTTS_") && !SettingName.all.contains($0) && $0 != "GLMTTS_BIN" }.sorted()
    }
}
