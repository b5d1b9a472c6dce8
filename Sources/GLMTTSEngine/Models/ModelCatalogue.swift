/// One immutable snapshot of a models directory: the models whose manifests were read and
/// the manifests that could not be, as they were when `ModelStore.scan()` ran.
///
/// Readers of one snapshot never see a manifest half rewritten or a model list that changes
/// under them; `EngineRegistry` holds the current one (see `ModelCatalogueCache`).
public struct ModelCatalogue: ModelCatalogueReading, Equatable {
    /// Every readable model, sorted by id.
    public let models: [InstalledModel]
    /// The manifests that could not be read, in folder order.
    public let problems: [ModelError]
    /// The problem of each model folder whose manifest could not be read, by folder name.
    private let problemsByFolder: [String: ModelError]

    /// A catalogue of `models` (sorted here by id) and of `problems`, each keyed by the name
    /// of the model folder it came from.
    public init(models: [InstalledModel], problems: [(folder: String, error: ModelError)] = []) {
        self.models = models.sorted { $0.manifest.id < $1.manifest.id }
        self.problems = problems.map(\.error)
        problemsByFolder = Dictionary(problems.map { ($0.folder, $0.error) }, uniquingKeysWith: { first, _ in first })
    }

    /// An empty catalogue (no models directory yet).
    public static let empty = ModelCatalogue(models: [])

    /// The model with this id, answering as `ModelStore.model(id:)` does for the files the
    /// snapshot was taken from.
    public func model(id: String) throws -> InstalledModel {
        guard ModelManifest.isValidID(id) else { throw ModelError.invalidID(id) }
        if let model = models.first(where: { $0.manifest.id == id }) { return model }
        if let problem = problemsByFolder[id] { throw problem }
        throw ModelError.notFound(id: id, available: models.map(\.manifest.id))
    }

    /// Whether the snapshot knows folder `id`, as a model or as a manifest it could not read.
    func knows(_ id: String) -> Bool {
        problemsByFolder[id] != nil || models.contains { $0.manifest.id == id }
    }
}
