import Foundation

/// Whisper (CTranslate2 format) through the faster-whisper worker process.
///
/// The worker starts and loads the model on the first request, and is shut down after
/// `idleTimeout` without requests (freeing its memory); the next request starts it again
/// transparently. Audio is resampled to 16 kHz before it is sent.
public actor FasterWhisperRecognizer: SpeechRecognizer {
    public nonisolated let id: String
    public nonisolated let capabilities: RecognizerCapabilities
    /// How long the model stays loaded without use.
    public nonisolated let idleTimeout: Duration
    private let model: InstalledModel
    private let configuration: WorkerConfiguration
    private let log: @Sendable (String) -> Void
    private let events: EngineEventSink
    private var worker: WorkerSupervisor?
    private var lastUse = ContinuousClock.now
    private var idleCheck: Task<Void, Never>?
    /// Transcriptions running now (including their load): never unloaded under them.
    private var inFlight = 0
    /// A load in progress, shared by concurrent first requests.
    private var loading: Task<WorkerSupervisor, Error>?
    /// How many times the model has been loaded (for tests and metrics).
    public private(set) var loadCount = 0

    /// A recognizer for `model` (engine `.fasterWhisper`), run by `workers/whisper_worker.py`
    /// under `projectRoot` (which holds `.venv/`).
    public init(
        model: InstalledModel, projectRoot: URL, idleTimeout: Duration = .seconds(300), threads: Int = 2,
        log: @escaping @Sendable (String) -> Void = { _ in }, events: @escaping EngineEventSink = { _ in }
    ) throws {
        guard model.manifest.engine == .fasterWhisper else {
            throw ModelError.invalidManifest(
                path: model.manifest.id, reason: "engine is \(model.manifest.engine.rawValue), not faster-whisper")
        }
        _ = try model.fileURL("model")
        self.model = model
        id = model.manifest.id
        let englishOnly = model.manifest.id.hasSuffix(".en") || model.manifest.languages == ["en"]
        capabilities = RecognizerCapabilities(languages: model.manifest.languages, englishOnly: englishOnly)
        self.idleTimeout = idleTimeout
        self.log = log
        self.events = events
        var configuration = WorkerConfiguration.pythonWorker(name: "whisper", script: "whisper_worker.py", root: projectRoot)
        configuration.requestTimeout = .seconds(600)
        configuration.environment["OMP_NUM_THREADS"] = String(threads)
        configuration.startupRequest = (
            "load",
            [
                "model": .object([
                    "path": .string(model.directory.path), "device": .string("cpu"),
                    "compute_type": .string("int8"), "cpu_threads": .number(Double(threads)),
                ])
            ]
        )
        self.configuration = configuration
    }

    /// Prompts that make Whisper write a language the way our users expect: Mandarin in
    /// Simplified characters (without one, Whisper base writes Traditional ones about half the
    /// time, measured), Japanese with its punctuation.
    public static let initialPrompts = ["zh": "以下是普通话的句子。", "ja": "以下は日本語の文章です。"]

    public func transcribe(_ audio: AudioBuffer, language: String?) async throws -> Transcript {
        try await transcribe(audio, language: language, words: false)
    }

    public nonisolated var timesWords: Bool { true }

    public func transcribeTimingWords(_ audio: AudioBuffer, language: String?) async throws -> Transcript {
        try await transcribe(audio, language: language, words: true)
    }

    private func transcribe(_ audio: AudioBuffer, language: String?, words: Bool) async throws -> Transcript {
        let code = capabilities.englishOnly ? "en" : language.map(LanguageCode.primary)
        var fields: [String: JSONValue] = [
            "beam_size": .number(1), "language": code.map(JSONValue.string) ?? .null, "word_timestamps": .bool(words),
        ]
        if let code, let prompt = Self.initialPrompts[code] { fields["initial_prompt"] = .string(prompt) }
        let (answer, duration) = try await send("transcribe", audio: audio, fields: fields)
        return Self.transcript(from: answer, duration: duration)
    }

    /// The model's own identification of the language of `audio` (first 30 s). Throws
    /// `WorkerError` for English-only models, which cannot identify languages.
    public func identifyLanguage(_ audio: AudioBuffer) async throws -> LanguageGuess {
        let (answer, _) = try await send("detect_language", audio: audio, fields: [:])
        return LanguageGuess(language: answer["language"]?.stringValue ?? "", probability: answer["language_probability"]?.doubleValue ?? 0)
    }

    /// Sends `op` with `audio` resampled to 16 kHz; the answer and the audio's duration.
    private func send(_ op: String, audio: AudioBuffer, fields: [String: JSONValue]) async throws -> ([String: JSONValue], Double) {
        guard !audio.samples.isEmpty else { throw AudioError.noSamples }
        let resampled = try Resampler.resample(audio, to: capabilities.sampleRate)
        inFlight += 1
        defer {
            inFlight -= 1
            lastUse = .now
        }
        let worker = try await loadedWorker()
        lastUse = .now
        var request = fields
        request["audio"] = WorkerAudio.encode(resampled)
        return (try await worker.call(op, request), resampled.duration)
    }

    /// Whether the model is loaded in a running worker now.
    public var isLoaded: Bool { worker != nil }

    /// Unloads now (stops the worker process).
    public func unload() async {
        idleCheck?.cancel()
        idleCheck = nil
        if let worker { await worker.shutdown() }
        worker = nil
    }

    private func loadedWorker() async throws -> WorkerSupervisor {
        if let worker { return worker }
        if let loading { return try await loading.value }
        let task = Task { try await self.startWorker() }
        loading = task
        defer { loading = nil }
        return try await task.value
    }

    private func startWorker() async throws -> WorkerSupervisor {
        let supervisor = WorkerSupervisor(configuration: configuration, log: log, events: events)
        guard await supervisor.isHealthy(timeout: .seconds(120)) else {
            // Starting includes loading the model (the startup request); report why it failed.
            do { _ = try await supervisor.call("health") } catch {
                await supervisor.shutdown()
                throw error
            }
            await supervisor.shutdown()
            throw WorkerError.startFailed(worker: "whisper", reason: "it does not answer")
        }
        worker = supervisor
        loadCount += 1
        lastUse = .now
        scheduleIdleCheck()
        return supervisor
    }

    private func scheduleIdleCheck() {
        idleCheck?.cancel()
        let timeout = idleTimeout
        idleCheck = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: timeout / 4)
                guard let self, await self.unloadIfIdle() else { continue }
                return
            }
        }
    }

    /// Unloads when idle for `idleTimeout`; returns whether it did.
    private func unloadIfIdle() async -> Bool {
        guard let current = worker, inFlight == 0, ContinuousClock.now - lastUse >= idleTimeout else { return worker == nil }
        log("[whisper] idle for \(idleTimeout.inSeconds) s; unloading")
        worker = nil  // before awaiting, so a request arriving meanwhile starts a new worker
        idleCheck = nil
        await current.shutdown()
        return true
    }

    static func transcript(from fields: [String: JSONValue], duration: Double) -> Transcript {
        let segments = (fields["segments"]?.arrayValue ?? []).map { segment in
            TranscriptSegment(
                start: segment["start"]?.doubleValue ?? 0, end: segment["end"]?.doubleValue ?? 0,
                text: (segment["text"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces),
                averageLogProbability: segment["avg_logprob"]?.doubleValue,
                noSpeechProbability: segment["no_speech_prob"]?.doubleValue,
                compressionRatio: segment["compression_ratio"]?.doubleValue,
                words: segment["words"]?.arrayValue.map { words in
                    words.map { word in
                        TranscriptWord(
                            start: word["start"]?.doubleValue ?? 0, end: word["end"]?.doubleValue ?? 0,
                            text: word["word"]?.stringValue ?? "", probability: word["probability"]?.doubleValue)
                    }
                })
        }
        return Transcript(
            text: (fields["text"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            language: fields["language"]?.stringValue, languageProbability: fields["language_probability"]?.doubleValue,
            duration: fields["duration"]?.doubleValue ?? duration, segments: segments)
    }
}
