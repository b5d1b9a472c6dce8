import Foundation

/// Where the service keeps its state: models, voices, outputs, database.
///
/// Resolution order: `GLMTTS_DATA_DIR`, else `./data` under the current directory.
/// The models directory is `GLMTTS_MODELS_DIR`, else `<data>/models`.
public struct DataDirectory: Sendable, Equatable {
    /// Root of the data directory.
    public var root: URL
    /// Folder that holds one sub-folder per installed model.
    public var models: URL

    /// Creates a data directory description from explicit locations.
    public init(root: URL, models: URL? = nil) {
        self.root = root.standardizedFileURL
        self.models = (models ?? root.appendingPathComponent("models", isDirectory: true)).standardizedFileURL
    }

    /// Resolves the locations from the environment (see type documentation).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> DataDirectory {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let root = environment["GLMTTS_DATA_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true, relativeTo: cwd) }
            ?? cwd.appendingPathComponent("data", isDirectory: true)
        let models = environment["GLMTTS_MODELS_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true, relativeTo: cwd) }
        return DataDirectory(root: root, models: models)
    }
}
