/// A view of the installed models: what the server and the engines read, whichever way the
/// view is kept (`ModelCatalogue` is one immutable snapshot of a models directory).
public protocol ModelCatalogueReading: Sendable {
    /// Every readable model, sorted by id.
    var models: [InstalledModel] { get }
    /// The manifests that could not be read, each with the reason.
    var problems: [ModelError] { get }
    /// The model with this id. Throws `ModelError.invalidID` for unsafe ids,
    /// `ModelError.invalidManifest` when its manifest could not be read, and
    /// `ModelError.notFound` listing what is installed.
    func model(id: String) throws -> InstalledModel
}

extension ModelCatalogueReading {
    /// The installed speech synthesizers (voices).
    public var synthesizers: [InstalledModel] { models.filter { $0.manifest.engine.isSynthesizer } }

    /// The installed speech recognizers.
    public var recognizers: [InstalledModel] { models.filter { $0.manifest.engine.isRecognizer } }

    /// The first model (by id) of `engine`, if one is installed.
    public func first(of engine: EngineKind) -> InstalledModel? {
        models.first { $0.manifest.engine == engine }
    }
}
