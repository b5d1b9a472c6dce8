import CSherpaOnnx
import Foundation

/// A Piper (VITS) voice through the sherpa-onnx C API, phonemized with espeak-ng.
///
/// Text is split into sentences; each chunk is phonemized (IPA, punctuation kept) and
/// synthesised separately, so audio streams out sentence by sentence. A sentence whose
/// phonemes are longer than `PhonemeChunker.defaultMaxLength` is synthesised in pieces.
/// Temperature maps to the VITS noise scales, which sherpa-onnx fixes per loaded model; speed
/// maps to the length scale per call.
///
/// The voice runs on several sessions (`PiperSessionPool`): a lone one-sentence request gets
/// one session with every core's thread, anything else gets one-thread sessions, so the
/// sentences of a long text and concurrent requests run in parallel, one per core
/// (`InferenceThreads` decides). Chunks are still yielded in the text's order.
public final class PiperSynthesizer: SpeechSynthesizer {
    /// Silence appended after every chunk but the last, as Piper does between sentences.
    public static let sentenceSilence = 0.2

    public let id: String
    public let capabilities: SynthesizerCapabilities
    /// The voice's defaults and parameter mapping.
    public let settings: PiperVoiceSettings

    private let model: InstalledModel
    private let phonemizer: EspeakPhonemizer
    private let budget: InferenceThreads
    private let pool: PiperSessionPool

    /// Default ONNX Runtime threads per voice: the machine's cores, at most 4.
    public static var defaultThreads: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4) }

    /// Loads a Piper voice described by `model` (engine `.piper`): its session with the
    /// default noise scales and every thread of `budget`, which is loaded now, so bad files
    /// fail here; throws `ModelError` when files are missing or sherpa-onnx rejects them.
    /// The one-thread sessions load on first use, or with `prepareParallelSessions`.
    public static func load(_ model: InstalledModel, budget: InferenceThreads = .shared) async throws -> PiperSynthesizer {
        let synthesizer = try PiperSynthesizer(model: model, budget: budget)
        try await synthesizer.prepare(threads: budget.cores, count: 1)
        return synthesizer
    }

    /// Loads the one-thread sessions for the default noise scales now — `count` of them (at
    /// most one per core; default: one per core) — so the first concurrent requests or long
    /// text do not wait for them. Sessions already loaded count. A no-op on one core.
    public func prepareParallelSessions(count: Int? = nil) async throws {
        guard budget.cores > 1 else { return }
        try await prepare(threads: 1, count: min(count ?? budget.cores, budget.cores))
    }

    /// How many one-thread sessions `prepareParallelSessions` loads by default.
    public var parallelSessionCount: Int { budget.cores > 1 ? budget.cores : 0 }

    private func prepare(threads: Int, count: Int) async throws {
        let defaults = settings.noiseScales(temperature: PiperVoiceSettings.neutralTemperature)
        let key = PiperSessionKey(noise: defaults.noise, noiseW: defaults.noiseW, threads: threads)
        let sessions = pool.ensure(key, count: count)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for session in sessions { group.addTask { try await session.prepare() } }
            try await group.waitForAll()
        }
    }

    private init(model: InstalledModel, budget: InferenceThreads) throws {
        guard model.manifest.engine == .piper else {
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "engine is \(model.manifest.engine.rawValue), not piper")
        }
        self.model = model
        self.budget = budget
        id = model.manifest.id
        let voice = model.manifest.id
        let files = try PiperModelSnapshot(
            voice: voice, model: try model.fileURL("model"), tokens: try model.fileURL("tokens"), copying: !budget.servesOneRequest)
        settings = PiperVoiceSettings(options: model.manifest.options)
        phonemizer = EspeakPhonemizer(voice: settings.espeakVoice)
        pool = PiperSessionPool { key in
            PiperSession(key: key, voice: voice) {
                try Self.loadInstance(model: files.model, tokens: files.tokens, key: key, voice: voice)
            }
        }
        capabilities = SynthesizerCapabilities(
            languages: model.manifest.languages, sampleRate: model.manifest.sampleRate,
            canClone: false, streaming: true, honouredParameters: EngineKind.piper.honouredParameters)
    }

    public func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error> {
        let parameters = request.parameters
        let scales = settings.noiseScales(temperature: parameters.temperature)
        return SynthesisStream.make { [self] continuation, flag in
            let chunks = SentenceSplitter.split(request.text, maxChunkCharacters: TextLimits.default.maxChunkCharacters)
            budget.beginRequest()
            defer { budget.endRequest() }
            let produced = try await SentenceStream.run(
                chunks: chunks, engine: id, window: budget.cores, continuation: continuation, flag: flag
            ) { [self] chunk, flag in
                let threads = try await budget.acquire(chunkCount: chunk.count)
                let session = pool.checkOut(PiperSessionKey(noise: scales.noise, noiseW: scales.noiseW, threads: threads))
                let generated: AudioBuffer?
                do {
                    generated = try await session.run { [self] tts in
                        try generate(chunk.text, speed: parameters.speed, with: tts, flag: flag)
                    }
                } catch {
                    pool.checkIn(session)
                    await budget.release(threads)
                    throw error
                }
                pool.checkIn(session)
                await budget.release(threads)
                guard var audio = generated else { return nil }
                if !chunk.isLast && !audio.samples.isEmpty {
                    audio.samples.append(contentsOf: repeatElement(0, count: Int(Self.sentenceSilence * Double(audio.sampleRate))))
                }
                return audio
            }
            continuation.yield(
                .finished(
                    SynthesisSummary(
                        parameterReport: settings.report(for: parameters), sampleRate: capabilities.sampleRate, cloned: false,
                        chunkCount: produced)))
        }
    }

    /// Phonemizes and synthesises one chunk (blocking; runs on the executor).
    private func generate(_ text: String, speed: Double, with tts: SherpaOfflineTTS, flag: CancellationFlag) throws -> AudioBuffer? {
        // Long sentences go to the model in pieces, so one inference's memory stays bounded.
        let sentences = try phonemizer.phonemize(text).filter { !$0.isEmpty }.flatMap { PhonemeChunker.split($0) }
        guard !sentences.isEmpty else { return AudioBuffer(samples: [], sampleRate: tts.sampleRate) }
        var codepoints: [Int32] = []
        var lengths: [Int32] = []
        for sentence in sentences {
            let scalars = sentence.unicodeScalars.map { Int32(bitPattern: $0.value) }
            codepoints.append(contentsOf: scalars)
            lengths.append(Int32(scalars.count))
        }
        return try codepoints.withUnsafeBufferPointer { cps in
            try lengths.withUnsafeBufferPointer { lens in
                var config = SherpaOnnxGenerationConfig()
                // sherpa-onnx replaces the model's length scale by 1/speed whenever speed ≠ 1
                // (measured), so instances load with length_scale 1 and the voice default is
                // folded into the speed: length = lengthScale / speed in every case.
                config.speed = Float(speed / settings.lengthScale)
                config.sid = 0
                config.silence_scale = 0.2
                config.phoneme_codepoints = cps.baseAddress
                config.phoneme_codepoints_lens = lens.baseAddress
                config.phoneme_codepoints_num_sentences = Int32(lens.count)
                return try tts.generate(text: "", config: &config, cancellation: flag, modelName: id)
            }
        }
    }

    /// Loads one instance (blocking; runs on the session's executor).
    private static func loadInstance(model: URL, tokens: URL, key: PiperSessionKey, voice: String) throws -> SherpaOfflineTTS {
        let pool = CStringPool()
        var config = SherpaOnnxOfflineTtsConfig()
        config.model.vits.model = pool.string(model.path)
        config.model.vits.tokens = pool.string(tokens.path)
        config.model.vits.lexicon = pool.string("")
        config.model.vits.data_dir = pool.string("")
        config.model.vits.dict_dir = pool.string("")
        config.model.vits.noise_scale = Float(key.noise)
        config.model.vits.noise_scale_w = Float(key.noiseW)
        config.model.vits.length_scale = 1  // see generate(): the default is folded into speed
        config.model.num_threads = Int32(key.threads)
        config.model.provider = pool.string("cpu")
        config.model.debug = 0
        config.max_num_sentences = 1
        return try SherpaOfflineTTS(config: &config, modelName: voice)
    }
}
