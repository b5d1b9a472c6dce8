import Foundation

/// Where the service keeps its state: models, voices, outputs, database.
///
/// The configuration resolves it from the settings `GLMTTS_DATA_DIR` (else `./data` under
/// the current directory) and `GLMTTS_MODELS_DIR` (else `<data>/models`).
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

    /// The data directory at `dataPath` (else `./data`) with its models at `modelsPath`
    /// (else `<data>/models`); relative paths are taken from the current directory.
    public static func resolve(dataPath: String?, modelsPath: String?) -> DataDirectory {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let root =
            dataPath.flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true, relativeTo: cwd) }
            ?? cwd.appendingPathComponent("data", isDirectory: true)
        let models = modelsPath.flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true, relativeTo: cwd) }
        return DataDirectory(root: root, models: models)
    }
}
