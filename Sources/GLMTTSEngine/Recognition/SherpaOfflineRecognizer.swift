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
///    each an existing regular file inside the model folder, and its options must parse;
/// 2. a pre-flight, because sherpa-onnx 2.0.1 calls `_Exit(-1)` (taking the whole process
///    down) instead of returning an error for some bad files: the tokens file must parse the
///    way sherpa-onnx reads it, every ONNX role must parse as an ONNX model, and the
///    metadata sherpa-onnx requires (Whisper encoder, SenseVoice model) must be present;
/// 3. `SherpaOnnxCreateOfflineRecognizer`; NULL becomes `ModelError.loadFailed`.
/// Steps 2 and 3 run on the recognizer's own `BlockingExecutor`, never on the cooperative pool.
///
/// Transcribing: audio is resampled to 16 kHz (`Resampler`), split into windows of at most
/// `SherpaRecognizerFamily.maxWindowSeconds` (cut at the quietest 20 ms near each boundary),
/// and each window is decoded on the executor (one call at a time per recognizer);
/// cancellation is honoured between windows.
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
    public let configuration: Configuration
    /// The model family.
    public var family: SherpaRecognizerFamily { configuration.family }

    private let handle: OpaquePointer
    private let executor: BlockingExecutor

    /// Sample rate every family expects (sherpa-onnx's feature extractor runs at 16 kHz).
    public static let sampleRate = 16_000
    /// Default ONNX Runtime threads (manifest option `numThreads` overrides it).
    public static let defaultThreads = 2

    /// A checked recognizer manifest: every file role resolved to an existing regular file
    /// inside the model folder, and the options parsed.
    public struct Configuration: Sendable, Equatable {
        /// Manifest id (used in errors).
        public let modelID: String
        /// Model family.
        public let family: SherpaRecognizerFamily
        /// Role → absolute file location, for every required role.
        public let files: [String: URL]
        /// ONNX Runtime threads (option `numThreads`, 1…64).
        public let numThreads: Int
        /// ONNX Runtime execution provider (option `provider`, default `cpu`).
        public let provider: String
        /// Language hint given to sherpa-onnx (option `language`); empty means detect.
        /// Whisper: a code from the model's own language list (checked in the pre-flight);
        /// SenseVoice: one of `SherpaRecognizerFamily.senseVoiceLanguages` (`auto` → empty).
        /// Moonshine has none.
        public let language: String
        /// SenseVoice inverse text normalisation and punctuation (option `useITN`, default true).
        public let useITN: Bool
        /// Languages the manifest declares.
        public let languages: [String]

        /// Checks `model` and resolves its files and options.
        ///
        /// Throws `ModelError.invalidManifest` for an engine that is not a sherpa-onnx
        /// recognizer, a file name escaping the folder, a file that is not a regular file,
        /// or an option that does not parse; `ModelError.missingFile` naming the first
        /// role the manifest lacks or the first file absent on disk.
        public init(model: InstalledModel, defaultThreads: Int = SherpaOfflineRecognizer.defaultThreads) throws {
            let manifest = model.manifest
            guard let family = SherpaRecognizerFamily(engine: manifest.engine) else {
                throw ModelError.invalidManifest(
                    path: manifest.id,
                    reason: "engine '\(manifest.engine.rawValue)' is not a sherpa-onnx recognizer (expected sherpa-whisper, sense-voice or moonshine)")
            }
            modelID = manifest.id
            self.family = family
            var files: [String: URL] = [:]
            for role in family.requiredFileRoles {
                let url = try model.fileURL(role)
                let values = try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey])
                guard values?.isRegularFile == true else {
                    throw ModelError.invalidManifest(
                        path: manifest.id, reason: "its \(role) '\(manifest.files[role] ?? "")' is not a regular file")
                }
                files[role] = url
            }
            self.files = files
            languages = manifest.languages

            let options = manifest.options
            func fail(_ key: String, _ value: String, _ expectation: String) -> ModelError {
                .invalidManifest(path: manifest.id, reason: "option \(key) = '\(value)' \(expectation)")
            }
            if let raw = options["numThreads"] {
                guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), (1...64).contains(value) else {
                    throw fail("numThreads", raw, "must be a whole number from 1 to 64")
                }
                numThreads = value
            } else {
                numThreads = min(max(defaultThreads, 1), 64)
            }
            if let raw = options["provider"] {
                let value = raw.trimmingCharacters(in: .whitespaces)
                guard !value.isEmpty else { throw fail("provider", raw, "must not be empty") }
                provider = value
            } else {
                provider = "cpu"
            }
            let language = (options["language"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            switch family {
            case .whisper:
                guard language.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_" || $0 == "-") }) else {
                    throw fail("language", options["language"] ?? "", "must be a Whisper language code such as en, de or zh")
                }
                self.language = language == "auto" ? "" : language
            case .senseVoice:
                guard language.isEmpty || SherpaRecognizerFamily.senseVoiceLanguages.contains(language) else {
                    throw fail("language", options["language"] ?? "", "must be one of \(SherpaRecognizerFamily.senseVoiceLanguages.joined(separator: ", "))")
                }
                self.language = language == "auto" ? "" : language
            case .moonshine:
                self.language = ""
            }
            if let raw = options["useITN"] {
                switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true", "1", "yes": useITN = true
                case "false", "0", "no": useITN = false
                default: throw fail("useITN", raw, "must be true or false")
                }
            } else {
                useITN = true
            }
        }

        /// The absolute location of `role` (a role this configuration resolved).
        public func file(_ role: String) throws -> URL {
            guard let url = files[role] else { throw ModelError.missingFile(model: modelID, file: role) }
            return url
        }
    }

    /// What one sherpa-onnx decoding call produced for one window of audio, copied out of
    /// the C result.
    struct Decoded: Equatable {
        /// Where the window starts in the whole clip, seconds.
        var offset: Double
        /// The window's length, seconds.
        var duration: Double
        /// Recognised text.
        var text: String
        /// sherpa-onnx's language label (Whisper: `en`; SenseVoice: `<|en|>`), empty if none.
        var language: String = ""
        /// Token start times within the window, seconds (SenseVoice), or empty.
        var timestamps: [Float] = []
        /// Token log-probabilities, or empty (none of the three families reports them).
        var logProbabilities: [Float] = []
        /// Segment-level start, duration and text (Whisper segment mode, not enabled), or empty.
        var segments: [Segment] = []

        /// One segment of a window.
        struct Segment: Equatable {
            var start: Float
            var duration: Float
            var text: String
        }
    }

    /// Loads `model` on its own `BlockingExecutor`: manifest checks, pre-flight, then
    /// sherpa-onnx. `threads` is the default for the manifest option `numThreads`.
    ///
    /// Throws `ModelError.invalidManifest` / `.missingFile` (see `Configuration`) or
    /// `ModelError.loadFailed` naming the file sherpa-onnx would not run, or saying what to
    /// check when sherpa-onnx refuses the model; never crashes on bad files the pre-flight
    /// can detect.
    public static func load(_ model: InstalledModel, threads: Int = defaultThreads) async throws -> SherpaOfflineRecognizer {
        let configuration = try Configuration(model: model, defaultThreads: threads)
        let executor = BlockingExecutor(label: "recognizer.\(model.manifest.id)")
        let (handle, englishOnly) = try await executor.run { () throws -> (NativeHandle, Bool) in
            let multilingual = try preflight(configuration)
            let handle = try makeNative(configuration)
            let englishOnly = switch configuration.family {
            case .whisper: multilingual == false
            case .senseVoice: false
            case .moonshine: configuration.languages == ["en"]
            }
            return (NativeHandle(pointer: handle), englishOnly)
        }
        return SherpaOfflineRecognizer(configuration: configuration, handle: handle.pointer, executor: executor, englishOnly: englishOnly)
    }

    private init(configuration: Configuration, handle: OpaquePointer, executor: BlockingExecutor, englishOnly: Bool) {
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
        let windows = Self.windows(resampled.samples, sampleRate: rate, maxSeconds: family.maxWindowSeconds)
        var decoded: [Decoded] = []
        for window in windows {
            try Task.checkCancellation()
            let samples = Array(resampled.samples[window])
            let offset = Double(window.lowerBound) / Double(rate)
            decoded.append(try await executor.run { try self.decode(samples, offset: offset) })
        }
        return Self.transcript(from: decoded, family: family, languages: configuration.languages, duration: resampled.duration)
    }

    // MARK: native calls (on the executor)

    /// Moves a C pointer out of the executor's closure.
    private struct NativeHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Decodes one window; blocking, called on `executor` only.
    private func decode(_ samples: [Float], offset: Double) throws -> Decoded {
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
        var segments: [Decoded.Segment] = []
        let segmentCount = Int(max(r.segment_count, 0))
        if segmentCount > 0, let starts = r.segment_timestamps, let durations = r.segment_durations, let texts = r.segment_texts_arr {
            for index in 0..<segmentCount {
                segments.append(Decoded.Segment(start: starts[index], duration: durations[index],
                                                text: texts[index].map { String(cString: $0) } ?? ""))
            }
        }
        return Decoded(
            offset: offset, duration: Double(samples.count) / Double(Self.sampleRate),
            text: r.text.map { String(cString: $0) } ?? "", language: r.lang.map { String(cString: $0) } ?? "",
            timestamps: floats(r.timestamps.map { UnsafePointer($0) }, count),
            logProbabilities: floats(r.ys_log_probs.map { UnsafePointer($0) }, count), segments: segments)
    }

    /// Creates the sherpa-onnx recognizer for `configuration` (files as they are: call
    /// `preflight` first, or sherpa-onnx may end the process on a bad file). Blocking.
    /// Throws `ModelError.loadFailed` saying what to check when sherpa-onnx returns NULL.
    static func makeNative(_ configuration: Configuration) throws -> OpaquePointer {
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
        let handle = withExtendedLifetime(pool) { SherpaOnnxCreateOfflineRecognizer(&config) }
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

    // MARK: pre-flight

    /// Checks what sherpa-onnx 2.0.1 does not check safely before it loads the model (it
    /// calls `_Exit(-1)` on these instead of returning an error):
    /// - the tokens file must parse the way sherpa-onnx reads it (`symbol [id]` per line);
    /// - every ONNX role must parse as an ONNX model;
    /// - Whisper: the encoder must carry sherpa-onnx's export metadata (`n_mels`, `sot`, …,
    ///   `sot_sequence`, and for multilingual models matching `all_language_tokens` /
    ///   `all_language_codes`), and the `language` option must be one of those codes;
    /// - SenseVoice: the model must carry its metadata (`vocab_size`, LFR, language ids,
    ///   `neg_mean` / `inv_stddev`), and the tokens file must hold every id below
    ///   `vocab_size` (sherpa-onnx looks them up unchecked while decoding).
    ///
    /// Returns, for Whisper, whether the model is multilingual (nil for the other families).
    /// Throws `ModelError.loadFailed` naming the file and what is wrong with it. Blocking.
    @discardableResult
    static func preflight(_ configuration: Configuration) throws -> Bool? {
        let modelID = configuration.modelID
        let family = configuration.family
        let tokensURL = try configuration.file("tokens")
        let tokenIDs = try tokenIDs(in: tokensURL, modelID: modelID)

        var metadata: [String: [String: String]] = [:]
        for role in family.onnxFileRoles {
            let url = try configuration.file(role)
            do {
                let data = try Data(contentsOf: url, options: .alwaysMapped)
                metadata[role] = try OnnxModelMetadata.read(from: data, source: url.lastPathComponent)
            } catch let error as GLMTTSError {
                throw ModelError.loadFailed(model: modelID, reason: "its \(role) file '\(url.lastPathComponent)' is not a usable ONNX model (\(error.message))")
            } catch {
                throw ModelError.loadFailed(model: modelID, reason: "its \(role) file '\(url.lastPathComponent)' cannot be read (\(error.localizedDescription))")
            }
        }
        guard let required = family.requiredIntegerMetadata else { return nil }
        let (role, keys) = required
        let values = metadata[role] ?? [:]
        let fileName = (try configuration.file(role)).lastPathComponent
        func notExport(_ what: String) -> ModelError {
            .loadFailed(model: modelID, reason: "its \(role) file '\(fileName)' \(what), so it is not a sherpa-onnx \(family.displayName) "
                + "export; use the files of one sherpa-onnx \(family.displayName) model pack")
        }
        func integer(_ key: String) throws -> Int {
            guard let raw = values[key], !raw.isEmpty else { throw notExport("has no '\(key)' metadata") }
            let value = cInteger(raw)
            guard value >= 0 else { throw notExport("has a negative '\(key)' (\(raw))") }
            return value
        }
        func integers(_ key: String) throws -> [Int] {
            guard let raw = values[key], !raw.isEmpty else { throw notExport("has no '\(key)' metadata") }
            let parts = raw.split(separator: ",", omittingEmptySubsequences: true)
            let numbers = parts.compactMap { Int32($0.drop(while: \.isWhitespace)) }
            guard numbers.count == parts.count else { throw notExport("has a malformed '\(key)' (\(raw.prefix(80)))") }
            return numbers.map(Int.init)
        }
        var integerValues: [String: Int] = [:]
        for key in keys { integerValues[key] = try integer(key) }

        switch family {
        case .whisper:
            _ = try integers("sot_sequence")
            let multilingual = integerValues["is_multilingual"] != 0
            if multilingual {
                let tokens = try integers("all_language_tokens")
                guard let raw = values["all_language_codes"], !raw.isEmpty else { throw notExport("has no 'all_language_codes' metadata") }
                let codes = raw.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard codes.count == tokens.count else {
                    throw notExport("lists \(tokens.count) language tokens but \(codes.count) language codes")
                }
                if !configuration.language.isEmpty, !codes.contains(configuration.language) {
                    throw ModelError.invalidManifest(
                        path: modelID, reason: "option language = '\(configuration.language)' is not a language of this Whisper model (it knows \(codes.prefix(12).joined(separator: ", "))…)")
                }
            } else if !configuration.language.isEmpty, configuration.language != "en" {
                throw ModelError.invalidManifest(
                    path: modelID, reason: "option language = '\(configuration.language)' does not apply: this Whisper model only knows English")
            }
            return multilingual
        case .senseVoice:
            if (values["comment"] ?? "").contains("Nano") {
                throw ModelError.loadFailed(model: modelID, reason: "its model file '\(fileName)' is a FunASR-Nano model, not SenseVoice")
            }
            for key in ["with_itn", "without_itn", "lang_auto", "lang_zh", "lang_en", "lang_ja", "lang_ko", "lang_yue"] {
                _ = try integer(key)
            }
            for key in ["neg_mean", "inv_stddev"] {
                guard let raw = values[key], !raw.isEmpty else { throw notExport("has no '\(key)' metadata") }
                let parts = raw.split(separator: ",", omittingEmptySubsequences: true)
                guard parts.allSatisfy({ Float($0.drop(while: \.isWhitespace)) != nil }) else {
                    throw notExport("has a malformed '\(key)'")
                }
            }
            let vocabulary = integerValues["vocab_size"] ?? 0
            if let missing = (0..<vocabulary).first(where: { !tokenIDs.contains($0) }) {
                throw ModelError.loadFailed(
                    model: modelID,
                    reason: "its tokens file '\(tokensURL.lastPathComponent)' has no token \(missing) but the model has \(vocabulary); use the tokens.txt from the same model pack")
            }
            return nil
        case .moonshine:
            return nil
        }
    }

    /// The ids in a sherpa-onnx tokens file, read the way sherpa-onnx's `ReadTokens` reads
    /// it: each line (whitespace-trimmed) is empty, `id` (the symbol is a space), or
    /// `symbol id`; anything else makes sherpa-onnx end the process, so it is refused here
    /// with `ModelError.loadFailed` naming the line. An empty file or one with no tokens is
    /// refused too.
    static func tokenIDs(in url: URL, modelID: String) throws -> Set<Int> {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ModelError.loadFailed(model: modelID, reason: "its tokens file '\(url.lastPathComponent)' cannot be read (\(error.localizedDescription))")
        }
        do {
            return try parseTokenIDs(data)
        } catch let problem as TokenFileProblem {
            throw ModelError.loadFailed(
                model: modelID,
                reason: "its tokens file '\(url.lastPathComponent)' is not a sherpa-onnx tokens file (\(problem.description)); use the tokens.txt from the same model pack")
        }
    }

    /// Why a tokens file was refused.
    struct TokenFileProblem: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// See `tokenIDs(in:modelID:)`; works on bytes (tokens need not be UTF-8).
    static func parseTokenIDs(_ data: Data) throws -> Set<Int> {
        // C isspace in the "C" locale: what sherpa-onnx's Trim and `operator>>` split on.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        var ids = Set<Int>()
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let fields = line.split(whereSeparator: isSpace)
            switch fields.count {
            case 0:
                continue
            case 1:
                ids.insert(cInteger(String(decoding: fields[0], as: UTF8.self)))
            case 2:
                let text = String(decoding: fields[1], as: UTF8.self)
                let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
                guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let id = Int32(text) else {
                    throw TokenFileProblem(description: "line \(lineNumber): '\(text.prefix(20))' is not a token id")
                }
                ids.insert(Int(id))
            default:
                throw TokenFileProblem(description: "line \(lineNumber) has \(fields.count) fields; expected 'symbol id'")
            }
        }
        guard !ids.isEmpty else { throw TokenFileProblem(description: "it holds no tokens") }
        return ids
    }

    /// C `atoi`: optional leading whitespace and sign, then digits; 0 when there are none.
    static func cInteger(_ text: String) -> Int {
        var rest = Substring(text).drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        var sign = 1
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        var value = 0
        for character in rest {
            guard character.isASCII, let digit = character.wholeNumberValue else { break }
            value = min(value * 10 + digit, Int(Int32.max) + 1)
        }
        return sign * value
    }

    // MARK: windows and results (pure)

    /// Splits `samples` into consecutive windows of at most `maxSeconds`, each cut at the
    /// quietest 20 ms frame within the last 3 s before the limit, so words are rarely cut.
    /// One window when the audio fits; none for empty audio.
    static func windows(_ samples: [Float], sampleRate: Int, maxSeconds: Double) -> [Range<Int>] {
        let limit = max(Int(maxSeconds * Double(sampleRate)), 1)
        guard samples.count > limit else { return samples.isEmpty ? [] : [0..<samples.count] }
        let frame = max(sampleRate / 50, 1)
        let lookBack = min(3 * sampleRate, limit / 2)
        var windows: [Range<Int>] = []
        var start = 0
        while samples.count - start > limit {
            let end = start + limit
            var cut = end
            var quietest = Float.infinity
            var frameStart = end - lookBack
            while frameStart + frame <= end {
                var energy: Float = 0
                for index in frameStart..<(frameStart + frame) { energy += samples[index] * samples[index] }
                if energy < quietest {
                    quietest = energy
                    cut = frameStart + frame / 2
                }
                frameStart += frame
            }
            windows.append(start..<cut)
            start = cut
        }
        windows.append(start..<samples.count)
        return windows
    }

    /// sherpa-onnx's language label as a plain code: SenseVoice's `<|en|>` → `en`; nil for
    /// an empty label and for SenseVoice's `<|nospeech|>`.
    static func languageCode(_ label: String) -> String? {
        var code = label.trimmingCharacters(in: .whitespaces)
        if code.hasPrefix("<|"), code.hasSuffix("|>"), code.count >= 4 {
            code = String(code.dropFirst(2).dropLast(2))
        }
        code = code.lowercased()
        return code.isEmpty || code == "nospeech" ? nil : code
    }

    /// The `Transcript` for the decoded windows of a clip of `duration` seconds.
    ///
    /// Text: the windows' trimmed texts joined by a space (none between CJK characters).
    /// Segments: a window's own segments if sherpa-onnx gave any, else one segment per
    /// window with text, from its first token's time (or its start) to its end. Language:
    /// the label sherpa-onnx reported (duration-weighted over windows), else the manifest's
    /// only language if it declares exactly one, else nil. `languageProbability`,
    /// `noSpeechProbability` and `compressionRatio` stay nil — except a SenseVoice window
    /// tagged `<|nospeech|>`, whose segment gets a no-speech probability of 1 — and
    /// `averageLogProbability` is the mean token log-probability when the model reports them.
    static func transcript(from windows: [Decoded], family: SherpaRecognizerFamily, languages: [String], duration: Double) -> Transcript {
        var text = ""
        var segments: [TranscriptSegment] = []
        var languageWeight: [String: Double] = [:]
        for window in windows {
            let windowText = window.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let noSpeech = family == .senseVoice && window.language.lowercased().contains("nospeech") ? 1.0 : nil
            if let code = languageCode(window.language), !windowText.isEmpty {
                languageWeight[code, default: 0] += window.duration
            }
            let logProbability = window.logProbabilities.isEmpty
                ? nil : Double(window.logProbabilities.reduce(0, +)) / Double(window.logProbabilities.count)
            if !window.segments.isEmpty {
                for segment in window.segments {
                    let segmentText = segment.text.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !segmentText.isEmpty else { continue }
                    let start = window.offset + Double(max(segment.start, 0))
                    segments.append(TranscriptSegment(
                        start: start, end: start + Double(max(segment.duration, 0)), text: segmentText,
                        averageLogProbability: logProbability, noSpeechProbability: noSpeech))
                }
            } else if !windowText.isEmpty {
                let first = window.timestamps.first.map { min(max(Double($0), 0), window.duration) } ?? 0
                segments.append(TranscriptSegment(
                    start: window.offset + first, end: window.offset + window.duration, text: windowText,
                    averageLogProbability: logProbability, noSpeechProbability: noSpeech))
            }
            guard !windowText.isEmpty else { continue }
            if let last = text.last, let next = windowText.first,
               !(TextCharacterClass.isCJK(last) && TextCharacterClass.isCJK(next)) {
                text += " "
            }
            text += windowText
        }
        let detected = languageWeight.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        let language = detected ?? (languages.count == 1 ? languages[0] : nil)
        return Transcript(text: text, language: language, languageProbability: nil, duration: duration, segments: segments)
    }
}
