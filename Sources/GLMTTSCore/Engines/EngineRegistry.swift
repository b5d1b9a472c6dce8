import Foundation

/// Knows the installed models and loads synthesizers lazily, once each.
///
/// `synthesizer(id:)` loads a model on first use and keeps it; concurrent first requests
/// for the same model share one load. `reload()` forgets everything (hot reload): the next
/// request reads the manifests again and loads fresh instances.
public actor EngineRegistry {
    /// The id of the voice used when a request names none, if installed.
    public static let preferredDefaultVoice = "en_US-joe-medium"

    /// The recognizer used when none is named, if installed.
    public static let preferredRecognizer = "whisper-tiny.en"

    /// Where the manifests are.
    public nonisolated let store: ModelStore
    /// Folder holding `workers/` and `.venv/` (for out-of-process engines).
    public nonisolated let projectRoot: URL
    private let log: @Sendable (String) -> Void
    private var loaded: [String: Task<any SpeechSynthesizer, Error>] = [:]
    private var recognizers: [String: any SpeechRecognizer] = [:]
    private var transcribers: [String: ReferenceTranscriber] = [:]
    private var detector: Result<VoiceActivityDetector, Error>?

    /// A registry over the models in `store`. Nothing is loaded until asked for.
    public init(store: ModelStore, projectRoot: URL = ProjectRoot.locate(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.projectRoot = projectRoot
        self.log = log
    }

    /// The speech recognizer `id` (default: whisper-tiny.en, else the first installed one).
    /// Creating it loads nothing; the model loads on the first transcription.
    public func recognizer(id: String? = nil) throws -> any SpeechRecognizer {
        let models = store.scan().models.filter { $0.manifest.engine == .fasterWhisper }
        let chosen: InstalledModel
        if let id {
            chosen = try store.model(id: id)
        } else if let preferred = models.first(where: { $0.manifest.id == Self.preferredRecognizer }) ?? models.first {
            chosen = preferred
        } else {
            throw TranscriptionError.noRecognizer
        }
        if let existing = recognizers[chosen.manifest.id] { return existing }
        let recognizer = try FasterWhisperRecognizer(model: chosen, projectRoot: projectRoot, log: log)
        recognizers[chosen.manifest.id] = recognizer
        return recognizer
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
        let task = Task { try await self.load(model) }
        loaded[id] = task
        do {
            return try await task.value
        } catch {
            loaded[id] = nil  // a failed load is retried next time
            throw error
        }
    }

    /// The auto-transcription rule over the default recognizer, shared so its cache is too.
    public func referenceTranscriber(cacheDirectory: URL?) throws -> ReferenceTranscriber {
        let recognizer = try recognizer()
        if let existing = transcribers[recognizer.id] { return existing }
        let transcriber = ReferenceTranscriber(recognizer: recognizer, cacheDirectory: cacheDirectory)
        transcribers[recognizer.id] = transcriber
        return transcriber
    }

    /// The shared Silero voice activity detector, loaded once; nil (logged once) when no
    /// usable silero-vad model is installed, in which case callers fall back to energy.
    public func voiceActivityDetector() -> VoiceActivityDetector? {
        if detector == nil {
            detector = Result { try VoiceActivityDetector(store: store) }
            if case let .failure(error) = detector {
                log("voice activity detector unavailable, using the energy fallback: \((error as? GLMTTSError)?.message ?? "\(error)")")
            }
        }
        return try? detector?.get()
    }

    /// Ids of the models currently loaded.
    public func loadedIDs() -> [String] { loaded.keys.sorted() }

    /// Forgets every loaded model; they are released when in-flight work finishes.
    /// Recognizer workers are stopped.
    public func reload() async {
        loaded.removeAll()
        let stopping = recognizers.values
        recognizers.removeAll()
        transcribers.removeAll()
        detector = nil
        for recognizer in stopping {
            if let whisper = recognizer as? FasterWhisperRecognizer { await whisper.unload() }
        }
    }

    private func load(_ model: InstalledModel) async throws -> any SpeechSynthesizer {
        switch model.manifest.engine {
        case .glmtts: return try await WorkerSynthesizer.load(model, projectRoot: projectRoot, log: log)
        case .piper: return try await PiperSynthesizer.load(model)
        case .espeak: return try await EspeakSynthesizer.load(model)
        case .zipvoice, .pocket: return try await ZeroShotSynthesizer.load(model)
        case .fasterWhisper, .sileroVAD:
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "not a synthesizer")
        }
    }
}
