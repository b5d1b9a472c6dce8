import Foundation

/// Knows the installed models and loads synthesizers lazily, once each.
///
/// `synthesizer(id:)` loads a model on first use and keeps it; concurrent first requests
/// for the same model share one load. `reload()` forgets everything (hot reload): the next
/// request reads the manifests again and loads fresh instances.
public actor EngineRegistry {
    /// The id of the voice used when a request names none, if installed.
    public static let preferredDefaultVoice = "en_US-joe-medium"

    /// Where the manifests are.
    public nonisolated let store: ModelStore
    private var loaded: [String: Task<any SpeechSynthesizer, Error>] = [:]

    /// A registry over the models in `store`. Nothing is loaded until asked for.
    public init(store: ModelStore) {
        self.store = store
    }

    /// Installed synthesizer models (manifests only; nothing is loaded).
    public nonisolated func synthesizerModels() -> [InstalledModel] {
        store.scan().models.filter { $0.manifest.engine.isSynthesizer }
    }

    /// The voice used when none is named: `GLMTTS_DEFAULT_VOICE` if set, else
    /// `en_US-joe-medium` if installed, else the first Piper voice, else the first synthesizer.
    public nonisolated func defaultSynthesizerID(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let configured = environment["GLMTTS_DEFAULT_VOICE"], !configured.isEmpty { return configured }
        let models = synthesizerModels()
        if models.contains(where: { $0.manifest.id == Self.preferredDefaultVoice }) { return Self.preferredDefaultVoice }
        if let piper = models.first(where: { $0.manifest.engine == .piper }) { return piper.manifest.id }
        if let any = models.first { return any.manifest.id }
        throw ModelError.notFound(id: Self.preferredDefaultVoice, available: [])
    }

    /// The synthesizer for model `id`, loading it on first use.
    public func synthesizer(id: String) async throws -> any SpeechSynthesizer {
        if let task = loaded[id] { return try await task.value }
        let model = try store.model(id: id)
        guard model.manifest.engine.isSynthesizer else {
            throw ModelError.invalidManifest(path: id, reason: "it is a \(model.manifest.engine.rawValue) model, not a voice")
        }
        let task = Task { try await Self.load(model) }
        loaded[id] = task
        do {
            return try await task.value
        } catch {
            loaded[id] = nil  // a failed load is retried next time
            throw error
        }
    }

    /// Ids of the models currently loaded.
    public func loadedIDs() -> [String] { loaded.keys.sorted() }

    /// Forgets every loaded model; they are released when in-flight work finishes.
    public func reload() {
        loaded.removeAll()
    }

    private static func load(_ model: InstalledModel) async throws -> any SpeechSynthesizer {
        switch model.manifest.engine {
        case .piper: return try await PiperSynthesizer.load(model)
        case .espeak: return try await EspeakSynthesizer.load(model)
        case .zipvoice, .pocket: return try await ZeroShotSynthesizer.load(model)
        case .fasterWhisper, .sileroVAD:
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "not a synthesizer")
        }
    }
}
