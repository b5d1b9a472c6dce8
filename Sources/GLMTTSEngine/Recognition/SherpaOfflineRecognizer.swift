import CSherpaOnnx
import Foundation

/// Speech recognition in-process through sherpa-onnx's offline (non-streaming) C API:
/// Whisper exported by sherpa-onnx (`sherpa-whisper`), SenseVoice (`sense-voice`) and
/// Moonshine v1 (`moonshine`).
///
/// UNVERIFIED HERE: no ONNX recognizer weights can be obtained on the build machine, so this
/// recognizer has never transcribed real speech here. What is tested without weights: the
/// manifest checks, the pre-flight that keeps sherpa-onnx from ending the process on bad
/// files, sherpa-onnx returning NULL, window splitting and the result → `Transcript`
/// mapping. See docs/RECOGNIZERS.md.
///
/// Loading (`load(_:threads:)`):
/// 1. the manifest must name every role of its family (`SherpaRecognizerFamily.requiredFileRoles`),
///    each an existing regular file inside the model folder, and its options must parse
///    (`SherpaRecognizerConfiguration`);
/// 2. a pre-flight, because sherpa-onnx 2.0.1 calls `_Exit(-1)` (taking the whole process
///    down) instead of returning an error for some bad files: the tokens file must parse the
///    way sherpa-onnx reads it, every ONNX role must parse as an ONNX model, and the
///    metadata sherpa-onnx requires (Whisper encoder, SenseVoice model) must be present
///    (`SherpaRecognizerPreflight`);
/// 3. `SherpaOnnxCreateOfflineRecognizer`; NULL becomes `ModelError.loadFailed`.
/// Steps 2 and 3 run on the recognizer's own `BlockingExecutor`, never on the cooperative pool.
///
/// Transcribing: audio is resampled to 16 kHz (`Resampler`), split into windows of at most
/// `SherpaRecognizerFamily.maxWindowSeconds` (`SherpaAudioWindows`: cut at the quietest 20 ms
/// near each boundary), and each window is decoded on the executor (one call at a time per
/// recognizer); cancellation is honoured between windows. `SherpaTranscriptBuilder` maps the
/// decoded windows to the `Transcript`.
///
/// Confidence: these families report no token log-probabilities, no-speech probability,
/// compression ratio or language probability through the C API, so those `Transcript` /
/// `TranscriptSegment` fields stay nil (a token log-probability would be passed on as the
/// segment's `averageLogProbability` if a model reported one). `ReferenceTranscriber` then
/// skips its confidence, no-speech and repetition rules and relies on its empty-text,
/// letter-share and (multilingual models only) language checks. The one exception:
/// SenseVoice's own `<|nospeech|>` language tag is reported as a no-speech probability of 1.
public final class SherpaOfflineRecognizer: SpeechRecognizer, @unchecked Sendable {
    // @unchecked Sendable: `handle` is created before init returns, destroyed in deinit, and
    // used in between only on `executor`'s serial queue; every other property is immutable.

    /// Model id (its manifest id).
    public let id: String
    /// Languages (from the manifest), whether the model only knows English (Whisper: from
    /// the encoder's `is_multilingual` metadata; Moonshine: a manifest listing only `en`;
    /// SenseVoice: never) and the 16 kHz input rate.
    public let capabilities: RecognizerCapabilities
    /// The checked manifest: family, files and options.
    public let configuration: SherpaRecognizerConfiguration
    /// The model family.
    public var family: SherpaRecognizerFamily { configuration.family }

    private let handle: OpaquePointer
    private let executor: BlockingExecutor

    /// Sample rate every family expects (sherpa-onnx's feature extractor runs at 16 kHz).
    public static let sampleRate = 16_000
    /// Default ONNX Runtime threads (manifest option `numThreads` overrides it).
    public static let defaultThreads = 2

    /// Loads `model` on its own `BlockingExecutor`: manifest checks, pre-flight, then
    /// sherpa-onnx. `threads` is the default for the manifest option `numThreads`.
    ///
    /// Throws `ModelError.invalidManifest` / `.missingFile` (see
    /// `SherpaRecognizerConfiguration`) or `ModelError.loadFailed` naming the file sherpa-onnx
    /// would not run, or saying what to check when sherpa-onnx refuses the model; never
    /// crashes on bad files the pre-flight can detect.
    public static func load(_ model: InstalledModel, threads: Int = defaultThreads) async throws -> SherpaOfflineRecognizer {
        let configuration = try SherpaRecognizerConfiguration(model: model, defaultThreads: threads)
        let executor = BlockingExecutor(label: "recognizer.\(model.manifest.id)")
        let (handle, englishOnly) = try await executor.run { () throws -> (NativeHandle, Bool) in
            let multilingual = try SherpaRecognizerPreflight.check(configuration)
            let handle = try makeNative(configuration)
            let englishOnly =
                switch configuration.family {
                case .whisper: multilingual == false
                case .senseVoice: false
                case .moonshine: configuration.languages == ["en"]
                }
            return (NativeHandle(pointer: handle), englishOnly)
        }
        return SherpaOfflineRecognizer(configuration: configuration, handle: handle.pointer, executor: executor, englishOnly: englishOnly)
    }

    private init(configuration: SherpaRecognizerConfiguration, handle: OpaquePointer, executor: BlockingExecutor, englishOnly: Bool) {
        id = configuration.modelID
        self.configuration = configuration
        self.handle = handle
        self.executor = executor
        capabilities = RecognizerCapabilities(languages: configuration.languages, englishOnly: englishOnly, sampleRate: Self.sampleRate)
    }

    deinit {
        SherpaOnnxDestroyOfflineRecognizer(handle)
    }

    /// Transcribes `audio` (any rate; resampled to 16 kHz). Throws `AudioError.noSamples`
    /// for empty audio, `AudioError` when it cannot be resampled, and `CancellationError`
    /// when the task is cancelled (checked between windows). `language` is not passed on: the
    /// language of a sherpa-onnx recognizer is fixed when it is loaded (manifest options).
    public func transcribe(_ audio: AudioBuffer, language: String?) async throws -> Transcript {
        guard !audio.samples.isEmpty else { throw AudioError.noSamples }
        let rate = Self.sampleRate
        let resampled = try await executor.run { try Resampler.resample(audio, to: rate) }
        let windows = SherpaAudioWindows.split(resampled.samples, sampleRate: rate, maxSeconds: family.maxWindowSeconds)
        var decoded: [SherpaDecodedWindow] = []
        for window in windows {
            try Task.checkCancellation()
            let samples = Array(resampled.samples[window])
            let offset = Double(window.lowerBound) / Double(rate)
            decoded.append(try await executor.run { try self.decode(samples, offset: offset) })
        }
        return SherpaTranscriptBuilder.transcript(
            from: decoded, family: family, languages: configuration.languages, duration: resampled.duration)
    }

    // MARK: native calls (on the executor)

    /// Moves a C pointer out of the executor's closure.
    private struct NativeHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Decodes one window; blocking, called on `executor` only.
    private func decode(_ samples: [Float], offset: Double) throws -> SherpaDecodedWindow {
        guard let stream = SherpaOnnxCreateOfflineStream(handle) else {
            throw ModelError.loadFailed(model: id, reason: "sherpa-onnx could not create a decoding stream")
        }
        defer { SherpaOnnxDestroyOfflineStream(stream) }
        samples.withUnsafeBufferPointer { buffer in
            SherpaOnnxAcceptWaveformOffline(stream, Int32(Self.sampleRate), buffer.baseAddress, Int32(buffer.count))
        }
        SherpaOnnxDecodeOfflineStream(handle, stream)
        guard let result = SherpaOnnxGetOfflineStreamResult(stream) else {
            throw ModelError.loadFailed(model: id, reason: "sherpa-onnx returned no recognition result")
        }
        defer { SherpaOnnxDestroyOfflineRecognizerResult(result) }
        let r = result.pointee
        let count = Int(max(r.count, 0))
        func floats(_ pointer: UnsafePointer<Float>?, _ count: Int) -> [Float] {
            guard let pointer, count > 0 else { return [] }
            return Array(UnsafeBufferPointer(start: pointer, count: count))
        }
        var segments: [SherpaDecodedWindow.Segment] = []
        let segmentCount = Int(max(r.segment_count, 0))
        if segmentCount > 0, let starts = r.segment_timestamps, let durations = r.segment_durations, let texts = r.segment_texts_arr {
            for index in 0..<segmentCount {
                segments.append(
                    SherpaDecodedWindow.Segment(
                        start: starts[index], duration: durations[index], text: texts[index].map { String(cString: $0) } ?? ""))
            }
        }
        return SherpaDecodedWindow(
            offset: offset, duration: Double(samples.count) / Double(Self.sampleRate),
            text: r.text.map { String(cString: $0) } ?? "", language: r.lang.map { String(cString: $0) } ?? "",
            timestamps: floats(r.timestamps.map { UnsafePointer($0) }, count),
            logProbabilities: floats(r.ys_log_probs.map { UnsafePointer($0) }, count), segments: segments)
    }

    /// Creates the sherpa-onnx recognizer for `configuration` (files as they are: call
    /// `SherpaRecognizerPreflight.check` first, or sherpa-onnx may end the process on a bad
    /// file). Blocking.
    /// Throws `ModelError.loadFailed` saying what to check when sherpa-onnx returns NULL.
    static func makeNative(_ configuration: SherpaRecognizerConfiguration) throws -> OpaquePointer {
        let pool = CStringPool()
        var config = SherpaOnnxOfflineRecognizerConfig()
        config.feat_config.sample_rate = Int32(sampleRate)
        config.feat_config.feature_dim = 80  // Whisper and Moonshine set their own; SenseVoice uses 80
        config.model_config.tokens = pool.string(try configuration.file("tokens").path)
        config.model_config.num_threads = Int32(configuration.numThreads)
        config.model_config.provider = pool.string(configuration.provider)
        config.model_config.debug = 0
        config.decoding_method = pool.string("greedy_search")
        switch configuration.family {
        case .whisper:
            config.model_config.whisper.encoder = pool.string(try configuration.file("encoder").path)
            config.model_config.whisper.decoder = pool.string(try configuration.file("decoder").path)
            config.model_config.whisper.language = pool.string(configuration.language)
            config.model_config.whisper.task = pool.string("transcribe")
        case .senseVoice:
            config.model_config.sense_voice.model = pool.string(try configuration.file("model").path)
            config.model_config.sense_voice.language = pool.string(configuration.language)
            config.model_config.sense_voice.use_itn = configuration.useITN ? 1 : 0
        case .moonshine:
            config.model_config.moonshine.preprocessor = pool.string(try configuration.file("preprocessor").path)
            config.model_config.moonshine.encoder = pool.string(try configuration.file("encoder").path)
            config.model_config.moonshine.uncached_decoder = pool.string(try configuration.file("uncachedDecoder").path)
            config.model_config.moonshine.cached_decoder = pool.string(try configuration.file("cachedDecoder").path)
        }
        let handle = withExtendedLifetime(pool) { FreeMemory.whileLoading { SherpaOnnxCreateOfflineRecognizer(&config) } }
        guard let handle else {
            let family = configuration.family
            throw ModelError.loadFailed(
                model: configuration.modelID,
                reason: "sherpa-onnx refused to create its \(family.displayName) recognizer (its reason is on standard error); "
                    + "check that the files named as \(family.requiredFileRoles.joined(separator: ", ")) all come from one "
                    + "sherpa-onnx \(family.displayName) model pack, under the right roles, and that provider "
                    + "'\(configuration.provider)' is available")
        }
        return handle
    }
}
