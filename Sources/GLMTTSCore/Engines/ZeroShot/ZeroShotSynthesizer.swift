import CSherpaOnnx
import Foundation

/// Zero-shot voice cloning with ZipVoice or Pocket-TTS through the sherpa-onnx C API.
///
/// UNVERIFIED HERE: the code path is complete and its configuration and parameter mapping
/// are unit-tested, but no weights for these models can be obtained on the build machine,
/// so it has never produced audio here. See docs/ENGINES-ZEROSHOT.md for the manifest
/// format and how to install a model.
///
/// The whole text is generated in one call (sherpa-onnx splits sentences itself); progress
/// comes from sherpa-onnx's callback and cancellation stops it there.
public final class ZeroShotSynthesizer: SpeechSynthesizer {
    public let id: String
    public let capabilities: SynthesizerCapabilities
    /// The model family.
    public let family: ZeroShotFamily
    private let tts: SherpaOfflineTTS
    private let executor: BlockingExecutor

    /// Loads a ZipVoice or Pocket-TTS model; throws `ModelError` for missing files or a
    /// model sherpa-onnx rejects.
    public static func load(_ model: InstalledModel, threads: Int = PiperSynthesizer.defaultThreads) async throws -> ZeroShotSynthesizer {
        guard let family = ZeroShotFamily(engine: model.manifest.engine) else {
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "engine \(model.manifest.engine.rawValue) is not a zero-shot model")
        }
        let executor = BlockingExecutor(label: "zeroshot.\(model.manifest.id)")
        let tts = try await executor.run { try Self.makeTTS(model, family: family, threads: threads) }
        return ZeroShotSynthesizer(model: model, family: family, tts: tts, executor: executor)
    }

    private init(model: InstalledModel, family: ZeroShotFamily, tts: SherpaOfflineTTS, executor: BlockingExecutor) {
        id = model.manifest.id
        self.family = family
        self.tts = tts
        self.executor = executor
        capabilities = SynthesizerCapabilities(
            languages: model.manifest.languages, sampleRate: tts.sampleRate, canClone: true,
            streaming: false, honouredParameters: family.honouredParameters)
    }

    /// The sherpa-onnx config for a manifest (every required file checked first).
    static func makeTTS(_ model: InstalledModel, family: ZeroShotFamily, threads: Int) throws -> SherpaOfflineTTS {
        let pool = CStringPool()
        func path(_ role: String) throws -> UnsafePointer<CChar> { pool.string(try model.fileURL(role).path) }
        func optional(_ role: String) -> UnsafePointer<CChar> {
            pool.string((try? model.fileURL(role).path) ?? "")
        }
        func option(_ key: String, _ fallback: Float) -> Float { model.manifest.options[key].flatMap(Float.init) ?? fallback }
        var config = SherpaOnnxOfflineTtsConfig()
        config.model.num_threads = Int32(threads)
        config.model.provider = pool.string(model.manifest.options["provider"] ?? "cpu")
        config.model.debug = 0
        switch family {
        case .zipvoice:
            config.model.zipvoice.tokens = try path("tokens")
            config.model.zipvoice.encoder = try path("encoder")
            config.model.zipvoice.decoder = try path("decoder")
            config.model.zipvoice.vocoder = try path("vocoder")
            config.model.zipvoice.lexicon = optional("lexicon")
            config.model.zipvoice.data_dir = pool.string("")
            config.model.zipvoice.feat_scale = option("featScale", 0.1)
            config.model.zipvoice.t_shift = option("tShift", 0.5)
            config.model.zipvoice.target_rms = option("targetRMS", 0.1)
            config.model.zipvoice.guidance_scale = option("guidanceScale", 1.0)
        case .pocket:
            config.model.pocket.lm_flow = try path("lmFlow")
            config.model.pocket.lm_main = try path("lmMain")
            config.model.pocket.encoder = try path("encoder")
            config.model.pocket.decoder = try path("decoder")
            config.model.pocket.text_conditioner = try path("textConditioner")
            config.model.pocket.vocab_json = try path("vocab")
            config.model.pocket.token_scores_json = try path("tokenScores")
            config.model.pocket.voice_embedding_cache_capacity = 8
        }
        return try SherpaOfflineTTS(config: &config, modelName: model.manifest.id)
    }

    public func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error> {
        SynthesisStream.make { [self] continuation, flag in
            try request.parameters.validate()
            guard let reference = request.referenceAudio, !reference.samples.isEmpty else {
                throw EngineError.referenceRequired(engine: id, what: "a reference clip")
            }
            let referenceText = request.referenceText?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if family.needsReferenceText && referenceText.isEmpty {
                throw EngineError.referenceRequired(engine: id, what: "the transcript of the reference clip")
            }
            let parameters = request.parameters
            let seed = parameters.seed ?? UInt64.random(in: 0...UInt64(Int32.max))
            continuation.yield(.progress(SynthesisProgress(stage: .synthesizing, fraction: 0)))
            let audio = try await executor.run { [self] () -> AudioBuffer? in
                let pool = CStringPool()
                return try reference.samples.withUnsafeBufferPointer { samples in
                    var config = SherpaOnnxGenerationConfig()
                    config.speed = family.honouredParameters.contains(.speed) ? Float(parameters.speed) : 1
                    config.silence_scale = 0.2
                    config.reference_audio = samples.baseAddress
                    config.reference_audio_len = Int32(samples.count)
                    config.reference_sample_rate = Int32(reference.sampleRate)
                    config.reference_text = pool.string(referenceText)
                    config.num_steps = family == .zipvoice ? Int32(family.steps(for: parameters.samplingStrategy)) : 0
                    config.extra = pool.string(family.extraJSON(for: parameters, seed: seed))
                    return try tts.generate(text: request.text, config: &config, cancellation: flag, modelName: id)
                }
            }
            guard let audio else { throw CancellationError() }
            guard !audio.samples.isEmpty else { throw EngineError.nothingToSpeak(engine: id) }
            continuation.yield(.chunk(index: 0, audio: audio))
            continuation.yield(.progress(SynthesisProgress(stage: .synthesizing, fraction: 1)))
            continuation.yield(.finished(SynthesisSummary(
                parameterReport: family.report(for: parameters, seed: seed), sampleRate: audio.sampleRate,
                cloned: true, chunkCount: 1)))
        }
    }
}
