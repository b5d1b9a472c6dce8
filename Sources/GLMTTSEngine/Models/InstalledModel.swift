import Foundation

/// A model manifest together with the folder it was read from.
public struct InstalledModel: Sendable, Equatable {
    /// The parsed manifest.
    public var manifest: ModelManifest
    /// The model's own folder.
    public var directory: URL

    public init(manifest: ModelManifest, directory: URL) {
        self.manifest = manifest
        self.directory = directory
    }

    /// Absolute location of the file the manifest names for `role`.
    ///
    /// Throws `ModelError.missingFile` when the manifest names no such role or the file is
    /// absent, and `ModelError.invalidManifest` when the name would escape the model folder.
    public func fileURL(_ role: String) throws -> URL {
        guard let name = manifest.files[role] else {
            throw ModelError.missingFile(model: manifest.id, file: role)
        }
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
            throw ModelError.invalidManifest(path: manifest.id, reason: "file '\(role)' points outside the model folder")
        }
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelError.missingFile(model: manifest.id, file: name)
        }
        return url
    }
}
