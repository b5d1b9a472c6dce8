import Foundation

/// One voice of Kokoro-82M v1.0 (int8 ONNX) speaking Mandarin, Japanese or English, run by
/// the Kokoro worker (`workers/kokoro_worker.py`: the text front ends — misaki's Chinese
/// G2P with our normalisation, Open JTalk readings for Japanese, espeak-ng IPA for English —
/// and ONNX Runtime).
///
/// Why a worker and not sherpa-onnx in-process: the Chinese and Japanese front ends exist
/// only in Python (jieba, pypinyin, cn2an, pyopenjtalk), sherpa-onnx's own Kokoro front end
/// has no Japanese and needs lexicon files that ship in no package, and its C API takes
/// text, not phonemes (docs/LANGUAGES.md has the measurements).
///
/// Every voice of one model file shares one worker process (``KokoroWorkerPool``): the
/// manifest names the voice in `options.voice`. Text is split into sentences here; each
/// sentence goes to the worker with its detected language (or the caller's `language`), so
/// a mixed text is read sentence by sentence in the right language, and audio streams out
/// sentence by sentence. Speed is applied by the model; Kokoro has no sampling knobs, and
/// the worker reports them as ignored.
public final class KokoroSynthesizer: SpeechSynthesizer {
    /// Silence appended after every sentence but the last.
    public static let sentenceSilence = 0.25

    public let id: String
    public let capabilities: SynthesizerCapabilities
    /// The Kokoro voice name (`jf_alpha`, …).
    public let voice: String
    private let worker: WorkerSupervisor
    private let spoken: Set<String>

    /// A voice over a running (or lazily started) shared worker.
    public init(model: InstalledModel, worker: WorkerSupervisor) throws {
        guard model.manifest.engine == .kokoro else {
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "engine is \(model.manifest.engine.rawValue), not kokoro")
        }
        guard let voice = model.manifest.options["voice"], !voice.isEmpty else {
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "option 'voice' (the Kokoro voice name) is missing")
        }
        id = model.manifest.id
        self.voice = voice
        self.worker = worker
        spoken = Set(model.manifest.languages.map(LanguageCode.primary))
        capabilities = SynthesizerCapabilities(
            languages: model.manifest.languages, sampleRate: model.manifest.sampleRate, canClone: false,
            streaming: true, honouredParameters: EngineKind.kokoro.honouredParameters)
    }

    /// The process id of the (shared) worker, when it runs.
    public func workerProcessID() async -> Int32? { await worker.processIdentifier }

    /// The worker configuration for the model files of `model` (all voices of a file share it).
    public static func configuration(for model: InstalledModel, projectRoot: URL, threads: Int) throws -> WorkerConfiguration {
        let arguments = [
            "--name", "kokoro", "--model", try model.fileURL("model").path, "--voices", try model.fileURL("voices").path,
            "--vocab", try model.fileURL("vocab").path, "--threads", String(threads),
        ]
        var configuration = WorkerConfiguration.pythonWorker(
            name: "kokoro", script: "kokoro_worker.py", arguments: arguments, root: projectRoot)
        configuration.environment["OMP_NUM_THREADS"] = String(threads)
        configuration.startTimeout = .seconds(120)  // ONNX session plus the Chinese and Japanese dictionaries
        configuration.requestTimeout = .seconds(300)
        configuration.startupRequest = ("load", ["model": .object([:])])
        return configuration
    }

    public func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error> {
        let limit = TextLimits.default.maxChunkCharacters
        let stated = request.language.map(LanguageCode.primary).flatMap { $0.isEmpty ? nil : $0 }
        let languages = Dictionary(
            TextLanguageDetector.sentences(request.text, maxChunkCharacters: limit).map { ($0.sentence, stated ?? $0.language) },
            uniquingKeysWith: { first, _ in first })
        let fallback = stated ?? languages.values.first ?? "en"
        let speed = request.parameters.speed
        return SentenceStream.make(
            engine: id, request: request, sampleRate: capabilities.sampleRate,
            report: { [id] in Self.report(speed: speed, engine: id) }
        ) { [self] chunk, _ in
            let sentence = chunk.text
            let isLast = chunk.isLast
            let language = languages[sentence] ?? fallback
            guard spoken.contains(language) else {
                throw TextError.languageUnsupported(languages: [language], voice: id, alternatives: [])
            }
            var audio = try await speak(sentence, language: language, speed: speed)
            if !isLast && !audio.samples.isEmpty {
                audio.samples.append(contentsOf: repeatElement(0, count: Int(Self.sentenceSilence * Double(audio.sampleRate))))
            }
            return audio
        }
    }

    /// One sentence through the worker; its audio (empty when it had nothing to say).
    private func speak(_ sentence: String, language: String, speed: Double) async throws -> AudioBuffer {
        let fields: [String: JSONValue] = [
            "voice": .string(voice), "parameters": .object(["speed": .number(speed)]),
            "sentences": .array([.object(["text": .string(sentence), "language": .string(language)])]),
        ]
        var audio = AudioBuffer(samples: [], sampleRate: capabilities.sampleRate)
        for try await event in worker.stream("synthesize", fields) {
            if case let .chunk(_, chunk, _) = event {
                if audio.samples.isEmpty { audio.sampleRate = chunk.sampleRate }
                audio.append(chunk)
            }
        }
        return audio
    }

    /// What Kokoro applies: speed; it has no sampling, so the rest is ignored with the reason.
    static func report(speed: Double, engine: String) -> ParameterReport {
        var report = ParameterReport()
        for parameter in SynthesisParameter.allCases {
            switch parameter {
            case .speed: report.applied[parameter] = String(speed)
            case .seed: report.ignored[parameter] = "Kokoro is deterministic: the same text and voice always give the same audio"
            default: report.ignored[parameter] = "Kokoro has no sampling; \(engine) does not use it"
            }
        }
        return report
    }
}
