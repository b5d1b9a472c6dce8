import CSherpaOnnx
import Foundation

/// A Piper (VITS) voice through the sherpa-onnx C API, phonemized with espeak-ng.
///
/// Text is split into sentences; each chunk is phonemized (IPA, punctuation kept) and
/// synthesised separately, so audio streams out sentence by sentence. A sentence whose
/// phonemes are longer than `PhonemeChunker.defaultMaxLength` is synthesised in pieces. Temperature maps to
/// the VITS noise scales, which sherpa-onnx fixes per loaded model: a small cache keeps
/// the instances for the most recently used noise settings. Speed maps to the length
/// scale per call. All native work runs on this voice's own `BlockingExecutor`.
public final class PiperSynthesizer: SpeechSynthesizer {
    /// Instances kept for different noise settings (each holds the model in memory).
    static let maxCachedInstances = 2
    /// Silence appended after every chunk but the last, as Piper does between sentences.
    public static let sentenceSilence = 0.2

    public let id: String
    public let capabilities: SynthesizerCapabilities
    /// The voice's defaults and parameter mapping.
    public let settings: PiperVoiceSettings

    private let model: InstalledModel
    private let modelURL: URL
    private let tokensURL: URL
    private let executor: BlockingExecutor
    private let phonemizer: EspeakPhonemizer
    private let instances: InstanceCache

    /// Loads a Piper voice described by `model` (engine `.piper`) with its default noise
    /// scales; throws `ModelError` when files are missing or sherpa-onnx rejects them.
    /// Default ONNX Runtime threads per voice: the machine's cores, at most 4.
    public static var defaultThreads: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4) }

    public static func load(_ model: InstalledModel, threads: Int = PiperSynthesizer.defaultThreads) async throws -> PiperSynthesizer {
        let synthesizer = try PiperSynthesizer(model: model, threads: threads)
        let defaults = synthesizer.settings.noiseScales(temperature: PiperVoiceSettings.neutralTemperature)
        _ = try await synthesizer.executor.run { try synthesizer.instance(noise: defaults.noise, noiseW: defaults.noiseW) }
        return synthesizer
    }

    private let threads: Int

    private init(model: InstalledModel, threads: Int) throws {
        guard model.manifest.engine == .piper else {
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "engine is \(model.manifest.engine.rawValue), not piper")
        }
        self.model = model
        self.threads = threads
        id = model.manifest.id
        modelURL = try model.fileURL("model")
        tokensURL = try model.fileURL("tokens")
        settings = PiperVoiceSettings(options: model.manifest.options)
        phonemizer = EspeakPhonemizer(voice: settings.espeakVoice)
        executor = BlockingExecutor(label: "piper.\(model.manifest.id)")
        instances = InstanceCache(limit: Self.maxCachedInstances)
        capabilities = SynthesizerCapabilities(
            languages: model.manifest.languages, sampleRate: model.manifest.sampleRate,
            canClone: false, streaming: true, honouredParameters: EngineKind.piper.honouredParameters)
    }

    public func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error> {
        let parameters = request.parameters
        let scales = settings.noiseScales(temperature: parameters.temperature)
        return SentenceStream.make(
            engine: id, request: request, sampleRate: capabilities.sampleRate,
            report: { [settings] in settings.report(for: parameters) }
        ) { [self] chunk, isLast, flag in
            let audio = try await executor.run { [self] () -> AudioBuffer? in
                let tts = try instance(noise: scales.noise, noiseW: scales.noiseW)
                return try generate(chunk, speed: parameters.speed, with: tts, flag: flag)
            }
            guard var audio else { return nil }
            if !isLast && !audio.samples.isEmpty {
                audio.samples.append(contentsOf: repeatElement(0, count: Int(Self.sentenceSilence * Double(audio.sampleRate))))
            }
            return audio
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

    /// The loaded instance for these noise scales, loading (and evicting) as needed.
    /// Runs on the executor only.
    private func instance(noise: Double, noiseW: Double) throws -> SherpaOfflineTTS {
        let key = "\(noise)/\(noiseW)"
        if let cached = instances.get(key) { return cached }
        let pool = CStringPool()
        var config = SherpaOnnxOfflineTtsConfig()
        config.model.vits.model = pool.string(modelURL.path)
        config.model.vits.tokens = pool.string(tokensURL.path)
        config.model.vits.lexicon = pool.string("")
        config.model.vits.data_dir = pool.string("")
        config.model.vits.dict_dir = pool.string("")
        config.model.vits.noise_scale = Float(noise)
        config.model.vits.noise_scale_w = Float(noiseW)
        config.model.vits.length_scale = 1  // see generate(): the default is folded into speed
        config.model.num_threads = Int32(threads)
        config.model.provider = pool.string("cpu")
        config.model.debug = 0
        config.max_num_sentences = 1
        let tts = try SherpaOfflineTTS(config: &config, modelName: id)
        instances.put(key, tts)
        return tts
    }

    /// A tiny LRU of loaded instances; only touched on the executor's serial queue.
    private final class InstanceCache: @unchecked Sendable {
        // @unchecked Sendable: used only from the owning synthesizer's serial executor.
        private let limit: Int
        private var entries: [(key: String, tts: SherpaOfflineTTS)] = []

        init(limit: Int) { self.limit = limit }

        func get(_ key: String) -> SherpaOfflineTTS? {
            guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry.tts
        }

        func put(_ key: String, _ tts: SherpaOfflineTTS) {
            entries.append((key, tts))
            if entries.count > limit { entries.removeFirst() }
        }
    }
}
