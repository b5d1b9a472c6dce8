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
    private var recognizerLoads: [String: Task<any SpeechRecognizer, Error>] = [:]
    private var transcribers: [String: ReferenceTranscriber] = [:]
    private var detector: Result<VoiceActivityDetector, Error>?

    /// A registry over the models in `store`. Nothing is loaded until asked for.
    public init(store: ModelStore, projectRoot: URL = ProjectRoot.locate(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.projectRoot = projectRoot
        self.log = log
    }

    /// The speech recognizer `id`, or the default: whisper-tiny.en if installed, else the
    /// first faster-whisper model (they report confidence figures, which
    /// `ReferenceTranscriber` uses), else the first other recognizer.
    ///
    /// A faster-whisper recognizer loads nothing here (its worker loads the model on the
    /// first transcription). A sherpa-onnx recognizer (`sherpa-whisper`, `sense-voice`,
    /// `moonshine`) is loaded here, once, on its own blocking executor; concurrent first
    /// requests share one load, and a failed load is retried next time. Throws
    /// `ModelError.invalidManifest` when `id` is not a recognizer, `TranscriptionError.noRecognizer`
    /// when none is installed, and the recognizer's own load errors.
    public func recognizer(id: String? = nil) async throws -> any SpeechRecognizer {
        let chosen: InstalledModel
        if let id {
            chosen = try store.model(id: id)
            guard chosen.manifest.engine.isRecognizer else {
                throw ModelError.invalidManifest(
                    path: id, reason: "it is a \(chosen.manifest.engine.rawValue) model, not a speech recognizer")
            }
        } else {
            guard let preferred = defaultRecognizer() else { throw TranscriptionError.noRecognizer }
            chosen = preferred
        }
        let key = chosen.manifest.id
        if let existing = recognizers[key] { return existing }
        if let loading = recognizerLoads[key] { return try await loading.value }
        if chosen.manifest.engine == .fasterWhisper {
            let recognizer = try FasterWhisperRecognizer(model: chosen, projectRoot: projectRoot, log: log)
            recognizers[key] = recognizer
            return recognizer
        }
        let task = Task<any SpeechRecognizer, Error> { try await SherpaOfflineRecognizer.load(chosen) }
        recognizerLoads[key] = task
        do {
            let recognizer = try await task.value
            if recognizerLoads[key] == task {  // not forgotten by reload() meanwhile
                recognizerLoads[key] = nil
                recognizers[key] = recognizer
            }
            return recognizer
        } catch {
            if recognizerLoads[key] == task { recognizerLoads[key] = nil }  // a failed load is retried next time
            throw error
        }
    }

    /// The recognizer used when none is named: whisper-tiny.en if installed, else the first
    /// faster-whisper model, else the first other recognizer; nil when none is installed.
    public nonisolated func defaultRecognizer() -> InstalledModel? {
        let models = store.scan().models.filter { $0.manifest.engine.isRecognizer }
        return models.first(where: { $0.manifest.id == Self.preferredRecognizer })
            ?? models.first(where: { $0.manifest.engine == .fasterWhisper }) ?? models.first
    }

    /// Ids of the recognizers created so far (a faster-whisper worker may still be idle).
    public func loadedRecognizerIDs() -> [String] { recognizers.keys.sorted() }

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
            throw ModelError.invalidManifest(path: id, reason: "it is a \(model.manifest.engine.rawValue) model, not a voice (speech synthesizer)")
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
    public func referenceTranscriber(cacheDirectory: URL?) async throws -> ReferenceTranscriber {
        let recognizer = try await recognizer()
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
    /// Recognizer workers are stopped; in-process (sherpa-onnx) recognizers are released.
    public func reload() async {
        loaded.removeAll()
        let stopping = recognizers.values
        recognizers.removeAll()
        recognizerLoads.removeAll()
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
        case .fasterWhisper, .sileroVAD, .sherpaWhisper, .senseVoice, .moonshine:
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "it is a \(model.manifest.engine.rawValue) model, not a synthesizer")
        }
    }
}
