import Foundation

/// Knows the installed models and loads synthesizers lazily, once each.
///
/// `synthesizer(id:)` loads a model on first use and keeps it; concurrent first requests
/// for the same model share one load. Models change at run time: `reload(id:)` loads a new
/// instance from the model's current files and swaps it in only once it loaded (work in
/// flight keeps the instance it started with; a failed load leaves the old one serving),
/// `unload(id:)` forgets one, `refresh()` re-reads the whole models directory (SIGHUP),
/// `unloadIdle(for:)` forgets models unused for a while, and `reload()` forgets everything.
///
/// What is installed is read from one `ModelCatalogue` snapshot (`catalogue`), retaken by
/// `refresh()`, `reload()` and `reload(id:)` and when the models directory itself changes
/// (see `ModelCatalogueCache`), never per request.
public actor EngineRegistry {
    /// The id of the voice used when a request names none, if installed.
    public static let preferredDefaultVoice = "en_US-joe-medium"

    /// The recognizer used when none is named, if installed.
    public static let preferredRecognizer = "whisper-tiny.en"

    /// Where the manifests are.
    public nonisolated let store: ModelStore
    /// The installed models: one snapshot of `store`, replaced whole (see `ModelCatalogueCache`).
    public nonisolated let catalogue: ModelCatalogueCache
    /// Folder holding `workers/` and `.venv/` (for out-of-process engines).
    public nonisolated let projectRoot: URL
    /// The operator's default voices.
    public nonisolated let voiceDefaults: VoiceDefaults
    private let log: @Sendable (String) -> Void
    private let events: EngineEventSink
    private var loaded: [String: LoadedSynthesizer] = [:]
    private var recognizers: [String: any SpeechRecognizer] = [:]
    private var recognizerLoads: [String: Task<any SpeechRecognizer, Error>] = [:]
    private var transcribers: [String: ReferenceTranscriber] = [:]
    private var detector: Result<VoiceActivityDetector, Error>?
    private let kokoroWorkers = KokoroWorkerPool()
    private var speakers: (encoder: SpeakerEncoder, matcher: VoiceMatcher)?

    /// A registry over the models in `store`. Nothing is loaded until asked for.
    public init(
        store: ModelStore, projectRoot: URL = ProjectRoot.locate(), log: @escaping @Sendable (String) -> Void = { _ in },
        events: @escaping EngineEventSink = { _ in }, voiceDefaults: VoiceDefaults = VoiceDefaults()
    ) {
        self.store = store
        catalogue = ModelCatalogueCache(store: store)
        self.projectRoot = projectRoot
        self.voiceDefaults = voiceDefaults
        self.log = log
        self.events = events
    }

    /// A synthesizer in memory (or loading), with the fingerprint of the files it came from.
    private struct LoadedSynthesizer {
        var task: Task<any SpeechSynthesizer, Error>
        var revision: String
        var engine: EngineKind
        var loadedAt = Date()
        var loadSeconds: Double?
        var lastUsed = ContinuousClock.now
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
            chosen = try catalogue.model(id: id)
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
            let recognizer = try FasterWhisperRecognizer(model: chosen, projectRoot: projectRoot, log: log, events: events)
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
        let models = catalogue.current.recognizers
        return models.first(where: { $0.manifest.id == Self.preferredRecognizer })
            ?? models.first(where: { $0.manifest.engine == .fasterWhisper }) ?? models.first
    }

    /// Ids of the recognizers created so far (a faster-whisper worker may still be idle).
    public func loadedRecognizerIDs() -> [String] { recognizers.keys.sorted() }

    /// Installed synthesizer models (manifests only; nothing is loaded).
    public nonisolated func synthesizerModels() -> [InstalledModel] {
        catalogue.current.synthesizers
    }

    /// The voice used when none is named: the configured default voice if set, else
    /// `en_US-joe-medium` if installed, else the first Piper voice, else the first synthesizer.
    public nonisolated func defaultSynthesizerID() throws -> String {
        try defaultSynthesizerID(among: synthesizerModels())
    }

    /// `defaultSynthesizerID()` over `models` (the synthesizers of one snapshot).
    private nonisolated func defaultSynthesizerID(among models: [InstalledModel]) throws -> String {
        if let configured = voiceDefaults.voice { return configured }
        if models.contains(where: { $0.manifest.id == Self.preferredDefaultVoice }) { return Self.preferredDefaultVoice }
        if let piper = models.first(where: { $0.manifest.engine == .piper }) { return piper.manifest.id }
        if let any = models.first { return any.manifest.id }
        throw ModelError.notFound(id: Self.preferredDefaultVoice, available: [])
    }

    /// The rule that picks a voice for a text's language (see ``VoiceChooser``), over the
    /// installed voices and the configured `voiceDefaults`.
    public nonisolated func voiceChooser() -> VoiceChooser {
        let models = synthesizerModels()
        return VoiceChooser(
            models: models, configuredDefault: voiceDefaults.voice,
            languageDefaults: voiceDefaults.byLanguage, fallbackDefault: try? defaultSynthesizerID(among: models))
    }

    /// The synthesizer for model `id`, loading it on first use.
    public func synthesizer(id: String) async throws -> any SpeechSynthesizer {
        if var entry = loaded[id] {
            entry.lastUsed = .now
            loaded[id] = entry
            return try await entry.task.value
        }
        let model = try synthesizerModel(id: id)
        let started = ContinuousClock.now
        let task = Task { try await self.load(model) }
        loaded[id] = LoadedSynthesizer(task: task, revision: ModelRevision.of(model), engine: model.manifest.engine)
        do {
            let synthesizer = try await task.value
            if loaded[id]?.task == task {
                loaded[id]?.loadSeconds = (ContinuousClock.now - started).inSeconds
                loaded[id]?.lastUsed = .now  // idle time counts from the end of a (possibly slow) load
            }
            events(.modelLoaded(id: id, seconds: (ContinuousClock.now - started).inSeconds, reload: false))
            return synthesizer
        } catch {
            if loaded[id]?.task == task { loaded[id] = nil }  // a failed load is retried next time
            events(.modelLoadFailed(id: id))
            throw error
        }
    }

    /// The state of model `id` (a synthesizer or recognizer) as the admin API shows it.
    public func state(of id: String) throws -> ModelLoadState {
        let model = try catalogue.model(id: id)
        if let entry = loaded[id] {
            return ModelLoadState(
                id: id, engine: entry.engine, loaded: true, revision: entry.revision,
                loadedAt: entry.loadedAt, loadSeconds: entry.loadSeconds)
        }
        return ModelLoadState(
            id: id, engine: model.manifest.engine, loaded: recognizers[id] != nil,
            revision: nil, loadedAt: nil, loadSeconds: nil)
    }

    /// Loads model `id` now if it is not loaded (synthesizers; a recognizer is created and
    /// loads on its first use).
    @discardableResult
    public func load(id: String) async throws -> ModelLoadState {
        let model = try catalogue.model(id: id)
        if model.manifest.engine.isRecognizer {
            _ = try await recognizer(id: id)
        } else {
            _ = try await synthesizer(id: id)
        }
        return try state(of: id)
    }

    /// Loads a new instance of model `id` from its current files and swaps it in. Work that
    /// already holds the old instance finishes on it; later requests get the new one. When the
    /// new instance fails to load, the old one stays and the error is thrown. A model that was
    /// not loaded is simply loaded. Recognizers are unloaded (their next use loads them anew).
    @discardableResult
    public func reload(id: String) async throws -> ModelLoadState {
        let model = try catalogue.rescan().model(id: id)
        if model.manifest.engine.isRecognizer {
            await unload(id: id, reason: "reload")
            return try state(of: id)
        }
        guard loaded[id] != nil else { return try await load(id: id) }
        let started = ContinuousClock.now
        let fresh: any SpeechSynthesizer
        do {
            let checked = try synthesizerModel(id: id)
            fresh = try await load(checked)
        } catch {
            events(.modelLoadFailed(id: id))
            log("model \(id) failed to reload; the loaded instance keeps serving: \((error as? GLMTTSError)?.message ?? "\(error)")")
            throw error
        }
        let seconds = (ContinuousClock.now - started).inSeconds
        loaded[id] = LoadedSynthesizer(
            task: Task { fresh }, revision: ModelRevision.of(model), engine: model.manifest.engine,
            loadSeconds: seconds)
        events(.modelLoaded(id: id, seconds: seconds, reload: true))
        log("model \(id) reloaded in \(String(format: "%.2f", seconds)) s")
        return try state(of: id)
    }

    /// Forgets model `id`; work in flight keeps its instance until it ends. Returns whether
    /// anything was loaded.
    @discardableResult
    public func unload(id: String, reason: String = "admin") async -> Bool {
        var removed = false
        if let entry = loaded.removeValue(forKey: id) {
            removed = true
            if entry.engine == .kokoro { await kokoroWorkers.release(id) }
        }
        if let recognizer = recognizers.removeValue(forKey: id) {
            removed = true
            transcribers = transcribers.filter { !$0.key.split(separator: "+").contains(Substring(id)) }
            if let whisper = recognizer as? FasterWhisperRecognizer { await whisper.unload() }
        }
        recognizerLoads[id] = nil
        if removed {
            events(.modelUnloaded(id: id, reason: reason))
            log("model \(id) unloaded (\(reason))")
        }
        return removed
    }

    /// Re-reads the models directory (what SIGHUP does) into a new catalogue snapshot: loaded
    /// models whose files changed are reloaded (a failure keeps the old instance and is
    /// reported), models no longer installed are unloaded, the rest are left alone.
    public func refresh() async -> ModelRefreshReport {
        var report = ModelRefreshReport()
        let snapshot = catalogue.rescan()
        let ids = Set(loaded.keys).union(recognizers.keys).sorted()
        for id in ids {
            guard let model = try? snapshot.model(id: id) else {
                await unload(id: id, reason: "removed")
                report.unloaded.append(id)
                continue
            }
            let current = ModelRevision.of(model)
            if let entry = loaded[id] {
                guard entry.revision != current else {
                    report.unchanged.append(id)
                    continue
                }
                do {
                    try await reload(id: id)
                    report.reloaded.append(id)
                } catch {
                    report.failed.append((id, (error as? GLMTTSError)?.message ?? "it could not be loaded"))
                }
            } else {
                report.unchanged.append(id)  // recognizers reload their files on their next start
            }
        }
        return report
    }

    /// Unloads synthesizers not asked for during `idle`; returns their ids.
    public func unloadIdle(for idle: Duration) async -> [String] {
        let now = ContinuousClock.now
        let stale = loaded.filter { now - $0.value.lastUsed >= idle }.map(\.key).sorted()
        for id in stale { await unload(id: id, reason: "idle") }
        return stale
    }

    private func synthesizerModel(id: String) throws -> InstalledModel {
        let model = try catalogue.model(id: id)
        guard model.manifest.engine.isSynthesizer else {
            throw ModelError.invalidManifest(
                path: id, reason: "it is a \(model.manifest.engine.rawValue) model, not a voice (speech synthesizer)")
        }
        return model
    }

    /// The auto-transcription rule over the default recognizer (and the multilingual one, when
    /// installed, which identifies the language first), shared so its cache is too; `cache` is
    /// where the first caller's transcriber keeps transcripts on disk.
    public func referenceTranscriber(cache: TranscriptCache) async throws -> ReferenceTranscriber {
        let recognizer = try await recognizer()
        let identifier = try await languageIdentifier()
        let key = recognizer.id + (identifier.map { "+\($0.id)" } ?? "")
        if let existing = transcribers[key] { return existing }
        let transcriber = ReferenceTranscriber(recognizer: recognizer, identifier: identifier, cache: cache)
        transcribers[key] = transcriber
        return transcriber
    }

    /// The speaker encoder and the voice matcher over it, created on first use (the matcher
    /// keeps voice embeddings in `cacheDirectory`); nil when no speaker-embedding model is installed.
    public func speakerTools(cacheDirectory: URL? = nil) throws -> (encoder: SpeakerEncoder, matcher: VoiceMatcher)? {
        if let speakers { return speakers }
        guard let model = catalogue.current.first(of: .speakerEmbedding) else { return nil }
        let encoder = try SpeakerEncoder(model: model, projectRoot: projectRoot, log: log, events: events)
        let tools = (encoder, VoiceMatcher(registry: self, encoder: encoder, cacheDirectory: cacheDirectory))
        speakers = tools
        return tools
    }

    /// The shared Silero voice activity detector, loaded once; nil (logged once) when no
    /// usable silero-vad model is installed, in which case callers fall back to energy.
    public func voiceActivityDetector() -> VoiceActivityDetector? {
        if detector == nil {
            detector = Result { try VoiceActivityDetector(catalogue: catalogue.current, directory: store.directory) }
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
    /// The catalogue is read again.
    public func reload() async {
        catalogue.rescan()
        loaded.removeAll()
        await kokoroWorkers.releaseAll()
        let stopping = recognizers.values
        recognizers.removeAll()
        recognizerLoads.removeAll()
        transcribers.removeAll()
        detector = nil
        if let encoder = speakers?.encoder { await encoder.shutdown() }
        speakers = nil
        for recognizer in stopping {
            if let whisper = recognizer as? FasterWhisperRecognizer { await whisper.unload() }
        }
    }

    private func load(_ model: InstalledModel) async throws -> any SpeechSynthesizer {
        switch model.manifest.engine {
        case .glmtts: return try await WorkerSynthesizer.load(model, projectRoot: projectRoot, log: log, events: events)
        case .kokoro:
            let root = projectRoot
            let worker = try await kokoroWorkers.worker(
                for: model,
                make: {
                    try KokoroSynthesizer.configuration(for: model, projectRoot: root, threads: PiperSynthesizer.defaultThreads)
                }, log: log, events: events)
            let synthesizer = try KokoroSynthesizer(model: model, worker: worker)
            _ = try await worker.call("health", timeout: .seconds(120))
            return synthesizer
        case .piper: return try await PiperSynthesizer.load(model)
        case .espeak: return try await EspeakSynthesizer.load(model)
        case .zipvoice, .pocket: return try await ZeroShotSynthesizer.load(model)
        case .fasterWhisper, .sileroVAD, .speakerEmbedding, .sherpaWhisper, .senseVoice, .moonshine:
            throw ModelError.invalidManifest(
                path: model.manifest.id, reason: "it is a \(model.manifest.engine.rawValue) model, not a synthesizer")
        }
    }
}
