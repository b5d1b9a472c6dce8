import Foundation

/// The models directory: one folder per model, each with a `manifest.json`.
///
/// Reading is cheap (manifests only); weights are loaded later by the engine registry, which
/// keeps one `ModelCatalogue` snapshot of the store instead of reading it per request.
public struct ModelStore: Sendable {
    /// File name of the manifest inside a model folder.
    public static let manifestFileName = "manifest.json"

    /// The directory scanned for models.
    public let directory: URL

    /// Creates a store over `directory` (need not exist yet).
    public init(directory: URL) {
        self.directory = directory
    }

    /// Reads every manifest now: a snapshot of the readable models, sorted by id. Folders
    /// without a manifest are skipped; a manifest that cannot be parsed is reported in
    /// `problems` instead of hiding the rest. A missing directory gives an empty catalogue.
    public func scan() -> ModelCatalogue {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isDirectoryKey]) else {
            return .empty
        }
        var models: [InstalledModel] = []
        var problems: [(folder: String, error: ModelError)] = []
        for name in entries.map(\.lastPathComponent).sorted() {
            let folder = directory.appendingPathComponent(name, isDirectory: true)
            let manifestURL = folder.appendingPathComponent(Self.manifestFileName)
            guard fm.fileExists(atPath: manifestURL.path) else { continue }
            do {
                models.append(try load(folder: folder))
            } catch let error as ModelError {
                problems.append((name, error))
            } catch {
                problems.append((name, .invalidManifest(path: manifestURL.path, reason: "\(error)")))
            }
        }
        return ModelCatalogue(models: models, problems: problems)
    }

    /// Whether folder `id` holds a manifest (read or not); false for unsafe ids.
    public func hasManifest(id: String) -> Bool {
        guard ModelManifest.isValidID(id) else { return false }
        let url = directory.appendingPathComponent(id, isDirectory: true).appendingPathComponent(Self.manifestFileName)
        return FileManager.default.fileExists(atPath: url.path)
    }

    /// The model with this id, read from disk now (what the importer checks; readers use a
    /// `ModelCatalogue` snapshot). Throws `ModelError.invalidID` for unsafe ids (no path is
    /// ever built from one) and `ModelError.notFound` listing what is installed.
    public func model(id: String) throws -> InstalledModel {
        guard ModelManifest.isValidID(id) else { throw ModelError.invalidID(id) }
        guard hasManifest(id: id) else { throw ModelError.notFound(id: id, available: scan().models.map(\.manifest.id)) }
        return try load(folder: directory.appendingPathComponent(id, isDirectory: true))
    }

    /// Writes `manifest` into `<directory>/<id>/manifest.json` (pretty, sorted keys).
    public func write(_ manifest: ModelManifest) throws -> URL {
        guard ModelManifest.isValidID(manifest.id) else { throw ModelError.invalidID(manifest.id) }
        let folder = directory.appendingPathComponent(manifest.id, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let url = folder.appendingPathComponent(Self.manifestFileName)
        try encoder.encode(manifest).write(to: url, options: .atomic)
        return url
    }

    private func load(folder: URL) throws -> InstalledModel {
        let url = folder.appendingPathComponent(Self.manifestFileName)
        let manifest: ModelManifest
        do {
            manifest = try JSONDecoder().decode(ModelManifest.self, from: Data(contentsOf: url))
        } catch {
            throw ModelError.invalidManifest(path: url.path, reason: "cannot parse it (\(error))")
        }
        guard manifest.format <= ModelManifest.currentFormat else {
            throw ModelError.invalidManifest(path: url.path, reason: "format \(manifest.format) is newer than this build understands")
        }
        guard ModelManifest.isValidID(manifest.id), manifest.id == folder.lastPathComponent else {
            throw ModelError.invalidManifest(path: url.path, reason: "its id '\(manifest.id)' does not match its folder name")
        }
        guard manifest.sampleRate > 0, manifest.sampleRate <= 384_000 else {
            throw ModelError.invalidManifest(path: url.path, reason: "sample rate \(manifest.sampleRate) is not plausible")
        }
        return InstalledModel(manifest: manifest, directory: folder)
    }
}
