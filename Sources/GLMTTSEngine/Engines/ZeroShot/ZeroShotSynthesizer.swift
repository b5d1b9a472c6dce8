import CSherpaOnnx
import Foundation

/// Zero-shot voice cloning with ZipVoice or Pocket-TTS through sherpa-onnx's C API.
///
/// UNVERIFIED HERE: the code path is complete, and its manifest checks, parameter mapping,
/// tokenizer and refusals are unit-tested, but no weights for these models can be obtained
/// on the build machine, so it has never produced audio here. See docs/ENGINES-ZEROSHOT.md.
///
/// - Pocket-TTS: the whole text is one sherpa-onnx call (sherpa-onnx splits and merges
///   sentences itself); progress comes from its callback, and cancelling the stream makes
///   the callback stop the generation at the next audio chunk. One `.chunk` is yielded.
/// - ZipVoice: text is split into sentences; each is tokenized here (`ZipVoiceTokenizer`)
///   and generated through sherpa-onnx's `GenerationConfig.tokens` path, which takes no
///   callback, so progress and cancellation happen between sentences and audio streams
///   out sentence by sentence.
///
/// Every request needs a reference clip; ZipVoice also needs its transcript. The stream
/// ends with `.finished` carrying the parameter report, or with `CancellationError`.
public final class ZeroShotSynthesizer: SpeechSynthesizer {
    public let id: String
    public let capabilities: SynthesizerCapabilities
    /// The checked model configuration.
    public let configuration: ZeroShotModelConfiguration
    /// The model family.
    public var family: ZeroShotFamily { configuration.family }

    private let tts: SherpaOfflineTTS
    private let tokenizer: ZipVoiceTokenizer?
    private let executor: BlockingExecutor

    /// Loads a ZipVoice or Pocket-TTS model on its own `BlockingExecutor`.
    ///
    /// Throws `ModelError.invalidManifest` (not a zero-shot engine, bad option),
    /// `ModelError.missingFile` (naming the missing role or file) or `ModelError.loadFailed`
    /// (files that are not the model sherpa-onnx expects), never crashing on bad files it
    /// can detect (see `ZeroShotModelConfiguration.preflight()`).
    public static func load(_ model: InstalledModel, threads: Int = PiperSynthesizer.defaultThreads) async throws -> ZeroShotSynthesizer {
        let configuration = try ZeroShotModelConfiguration(model: model, defaultThreads: threads)
        let executor = BlockingExecutor(label: "zeroshot.\(model.manifest.id)")
        let (tts, tokenizer) = try await executor.run { () throws -> (SherpaOfflineTTS, ZipVoiceTokenizer?) in
            try configuration.preflight()
            var tokenizer: ZipVoiceTokenizer?
            if configuration.family == .zipvoice {
                tokenizer = try ZipVoiceTokenizer(
                    tokensFile: try configuration.file("tokens"), lexiconFile: configuration.files["lexicon"],
                    espeakVoice: configuration.espeakVoice, modelID: configuration.modelID)
            }
            return (try Self.makeNative(configuration), tokenizer)
        }
        return ZeroShotSynthesizer(model: model, configuration: configuration, tts: tts, tokenizer: tokenizer, executor: executor)
    }

    private init(
        model: InstalledModel, configuration: ZeroShotModelConfiguration, tts: SherpaOfflineTTS,
        tokenizer: ZipVoiceTokenizer?, executor: BlockingExecutor
    ) {
        id = model.manifest.id
        self.configuration = configuration
        self.tts = tts
        self.tokenizer = tokenizer
        self.executor = executor
        capabilities = SynthesizerCapabilities(
            languages: model.manifest.languages, sampleRate: tts.sampleRate, canClone: true,
            streaming: configuration.family.streamsSentences, honouredParameters: configuration.family.honouredParameters)
    }

    /// The reference clip and transcript of `request`, or `EngineError.referenceRequired`
    /// naming what is missing: a non-empty clip always, its transcript for ZipVoice.
    static func checkedReference(
        _ request: SynthesisRequest, family: ZeroShotFamily,
        engine: String
    ) throws -> (audio: AudioBuffer, text: String) {
        guard let audio = request.referenceAudio, !audio.samples.isEmpty, audio.sampleRate > 0 else {
            throw EngineError.referenceRequired(engine: engine, what: "a reference clip of the voice to clone")
        }
        guard audio.samples.count <= Int(Int32.max) else {
            throw EngineError.referenceRequired(engine: engine, what: "a shorter reference clip (3–15 s)")
        }
        let text = request.referenceText?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if family.needsReferenceText && text.isEmpty {
            throw EngineError.referenceRequired(engine: engine, what: "the transcript of the reference clip")
        }
        return (audio, text)
    }

    public func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error> {
        SynthesisStream.make { [self] continuation, flag in
            let reference = try Self.checkedReference(request, family: family, engine: id)
            let parameters = request.parameters
            let seed = parameters.seed ?? UInt64.random(in: 0...UInt64(Int32.max))
            let settings = ZeroShotGenerationSettings.make(
                family: family, steps: configuration.steps, parameters: parameters, seed: seed,
                maxReferenceSeconds: configuration.maxReferenceSeconds)
            let report = ZeroShotGenerationSettings.parameterReport(
                family: family, steps: configuration.steps, parameters: parameters, seed: seed,
                seedWasDrawn: parameters.seed == nil)
            continuation.yield(.progress(SynthesisProgress(stage: .synthesizing, fraction: 0)))
            let chunkCount: Int
            switch family {
            case .pocket:
                chunkCount = try await synthesizeWhole(
                    request.text, reference: reference, settings: settings,
                    continuation: continuation, flag: flag)
            case .zipvoice:
                chunkCount = try await synthesizeSentences(
                    request.text, reference: reference, settings: settings,
                    continuation: continuation, flag: flag)
            }
            continuation.yield(
                .finished(
                    SynthesisSummary(
                        parameterReport: report, sampleRate: capabilities.sampleRate, cloned: true, chunkCount: chunkCount)))
        }
    }

    /// Pocket-TTS: one call for the whole text, progress from sherpa-onnx's callback.
    private func synthesizeWhole(
        _ text: String, reference: (audio: AudioBuffer, text: String),
        settings: ZeroShotGenerationSettings,
        continuation: AsyncThrowingStream<SynthesisEvent, Error>.Continuation,
        flag: CancellationFlag
    ) async throws -> Int {
        let audio = try await executor.run { [self] () -> AudioBuffer? in
            try generate(text: text, tokens: nil, reference: reference, settings: settings, flag: flag) { fraction in
                continuation.yield(.progress(SynthesisProgress(stage: .synthesizing, fraction: fraction)))
            }
        }
        guard let audio else { throw CancellationError() }
        guard !audio.samples.isEmpty else { throw EngineError.nothingToSpeak(engine: id) }
        continuation.yield(.chunk(index: 0, audio: audio, text: text))
        continuation.yield(.progress(SynthesisProgress(stage: .synthesizing, fraction: 1)))
        return 1
    }

    /// ZipVoice: one tokens-path call per sentence; returns the number of chunks yielded.
    private func synthesizeSentences(
        _ text: String, reference: (audio: AudioBuffer, text: String),
        settings: ZeroShotGenerationSettings,
        continuation: AsyncThrowingStream<SynthesisEvent, Error>.Continuation,
        flag: CancellationFlag
    ) async throws -> Int {
        guard let tokenizer else { throw EngineError.generationFailed(engine: id, reason: "the ZipVoice tokenizer is not loaded") }
        let sentences = SentenceSplitter.split(text, maxChunkCharacters: TextLimits.default.maxChunkCharacters)
        let referenceTokens = try await executor.run { try tokenizer.tokens(for: reference.text) }
        guard !referenceTokens.isEmpty else {
            throw EngineError.referenceRequired(
                engine: id,
                what: "a reference transcript in words it can pronounce (Chinese, or text espeak-ng '\(configuration.espeakVoice)' reads)")
        }
        let silence = Int(PiperSynthesizer.sentenceSilence * Double(capabilities.sampleRate))
        return try await SentenceStream.run(chunks: sentences, engine: id, continuation: continuation, flag: flag) {
            [self]
            chunk, flag in
            let sentence = chunk.text
            let audio = try await executor.run { [self] () -> AudioBuffer? in
                let tokens = try tokenizer.tokens(for: sentence)
                guard !tokens.isEmpty else { return AudioBuffer(samples: [], sampleRate: tts.sampleRate) }
                return try generate(
                    text: sentence, tokens: [referenceTokens, tokens], reference: reference,
                    settings: settings, flag: flag
                ) { _ in }
            }
            guard var audio else { return nil }
            if !chunk.isLast && !audio.samples.isEmpty { audio.samples.append(contentsOf: repeatElement(0, count: silence)) }
            return audio
        }
    }

    /// One sherpa-onnx generation (blocking; runs on the executor). `tokens`, when given,
    /// are the reference transcript's tokens followed by one sentence's.
    private func generate(
        text: String, tokens: [[String]]?, reference: (audio: AudioBuffer, text: String),
        settings: ZeroShotGenerationSettings, flag: CancellationFlag,
        progress: @escaping @Sendable (Double) -> Void
    ) throws -> AudioBuffer? {
        let pool = CStringPool()
        let flat: [UnsafePointer<CChar>?] = (tokens ?? []).flatMap { $0.map { pool.string($0) } }
        let lengths: [Int32] = (tokens ?? []).map { Int32($0.count) }
        return try withExtendedLifetime(pool) {
            try reference.audio.samples.withUnsafeBufferPointer { samples in
                try flat.withUnsafeBufferPointer { tokenPointers in
                    try lengths.withUnsafeBufferPointer { tokenLengths in
                        var config = SherpaOnnxGenerationConfig()
                        config.silence_scale = 0.2
                        config.speed = Float(settings.speed)
                        config.sid = 0
                        config.reference_audio = samples.baseAddress
                        config.reference_audio_len = Int32(samples.count)
                        config.reference_sample_rate = Int32(reference.audio.sampleRate)
                        config.reference_text = pool.string(reference.text)
                        config.num_steps = Int32(settings.numSteps)
                        config.extra = pool.string(settings.extraJSON)
                        if tokens != nil {
                            config.tokens = tokenPointers.baseAddress
                            config.tokens_lens = tokenLengths.baseAddress
                            config.tokens_num_sentences = Int32(tokenLengths.count)
                        }
                        return try tts.generate(text: text, config: &config, cancellation: flag, modelName: id, progress: progress)
                    }
                }
            }
        }
    }

    /// The native sherpa-onnx engine for a checked configuration. sherpa-onnx 2.0.1 catches
    /// its own loading errors (a file that is not ONNX, missing tensors…) and returns NULL,
    /// which becomes `ModelError.loadFailed`; `ZeroShotModelConfiguration.preflight()` runs
    /// first for the cases it does not catch.
    static func makeNative(_ configuration: ZeroShotModelConfiguration) throws -> SherpaOfflineTTS {
        try configuration.withNativeConfig { config in try SherpaOfflineTTS(config: &config, modelName: configuration.modelID) }
    }
}
