import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// What can be tested of the in-process sherpa-onnx recognizers (sherpa-whisper, sense-voice,
/// moonshine) without their weights (none can be obtained here): manifest and option checks,
/// the pre-flight that keeps sherpa-onnx from ending the process on bad files, tokens-file
/// parsing, window splitting, the result → `Transcript` mapping and how the auto-transcription
/// rule treats it, and how `EngineRegistry` picks and refuses recognizers. No test here
/// transcribes real speech: see docs/RECOGNIZERS.md ("Unverified here").
@Suite struct SherpaOfflineRecognizerTests {
    // File names as in the published packs (sherpa-onnx release `asr-models`).
    static let whisperFiles = [
        "encoder": "tiny.en-encoder.int8.onnx", "decoder": "tiny.en-decoder.int8.onnx",
        "tokens": "tiny.en-tokens.txt",
    ]
    static let senseVoiceFiles = ["model": "model.int8.onnx", "tokens": "tokens.txt"]
    static let moonshineFiles = [
        "preprocessor": "preprocess.onnx", "encoder": "encode.int8.onnx",
        "uncachedDecoder": "uncached_decode.int8.onnx", "cachedDecoder": "cached_decode.int8.onnx",
        "tokens": "tokens.txt",
    ]

    static func files(_ family: SherpaRecognizerFamily) -> [String: String] {
        switch family {
        case .whisper: return whisperFiles
        case .senseVoice: return senseVoiceFiles
        case .moonshine: return moonshineFiles
        }
    }

    /// A well-formed tokens file holding ids 0…3.
    static let goodTokens = Data("<unk> 0\n<s> 1\n</s> 2\n▁the 3\n".utf8)

    /// Default file contents: good tokens, random bytes for every ONNX file.
    static func garbage(_ name: String) -> Data? {
        name.hasSuffix(".txt") ? goodTokens : randomBytes(4_096)
    }

    /// A model folder (a fresh temporary directory) for `family`, its files holding
    /// `content(name)` (nil: the file is not written).
    static func folder(
        _ family: SherpaRecognizerFamily, id: String = "rec", files: [String: String]? = nil,
        languages: [String] = ["en"], options: [String: String] = [:],
        content: (String) -> Data? = garbage
    ) throws -> InstalledModel {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sherpa-rec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = files ?? Self.files(family)
        for name in Set(files.values) {
            if let data = content(name) { try data.write(to: directory.appendingPathComponent(name)) }
        }
        let manifest = ModelManifest(
            id: id, engine: family.engine, description: "test", sampleRate: 16_000,
            languages: languages, files: files, options: options, licence: "test",
            capabilities: ManifestCapabilities(canClone: false, streaming: false))
        return InstalledModel(manifest: manifest, directory: directory)
    }

    static func remove(_ model: InstalledModel) { try? FileManager.default.removeItem(at: model.directory) }

    static func randomBytes(_ count: Int, seed: UInt64 = 0x5EED_A5A5) -> Data {
        var generator = SplitMix64(seed: seed)
        return Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }

    /// The smallest byte string our ONNX reader accepts (ir_version 7, a graph named "g"),
    /// with `metadata` added. Parses as ONNX; is no runnable model.
    static func tinyONNX(_ metadata: [String: String] = [:]) throws -> Data {
        try OnnxModelMetadata.withMetadata(Data([0x08, 0x07, 0x3A, 0x03, 0x12, 0x01, 0x67]), setting: metadata)
    }

    /// The metadata sherpa-onnx's Whisper export writes into the encoder (values of tiny).
    static func whisperMetadata(multilingual: Bool) -> [String: String] {
        var values = [
            "n_mels": "80", "n_audio_ctx": "1500", "n_text_layer": "4", "n_text_ctx": "448",
            "n_text_state": "384", "n_vocab": multilingual ? "51865" : "51864", "sot": "50257",
            "eot": "50256", "blank_id": "220", "translate": "50358", "transcribe": "50359",
            "is_multilingual": multilingual ? "1" : "0", "no_timestamps": "50362", "no_speech": "50361",
            "sot_sequence": multilingual ? "50258,50259,50359" : "50257",
        ]
        if multilingual {
            values["all_language_tokens"] = "50259,50260,50261"
            values["all_language_codes"] = "en,zh,de"
        }
        return values
    }

    /// SenseVoice model metadata, with a vocabulary of 4 (matching `goodTokens`).
    static let senseVoiceMetadata = [
        "vocab_size": "4", "lfr_window_size": "7", "lfr_window_shift": "6", "normalize_samples": "0",
        "with_itn": "14", "without_itn": "15", "lang_auto": "0", "lang_zh": "3", "lang_en": "4", "lang_ja": "11",
        "lang_ko": "12", "lang_yue": "7", "neg_mean": "-8.3,-9.1,-10.0", "inv_stddev": "0.25,0.26,0.27",
        "comment": "iic/SenseVoiceSmall",
    ]

    /// A folder whose ONNX files all parse; the metadata role gets `metadata`.
    static func parsingFolder(
        _ family: SherpaRecognizerFamily, metadata: [String: String], languages: [String] = ["en"],
        options: [String: String] = [:], tokens: Data = goodTokens
    ) throws -> InstalledModel {
        let metadataFile = family.requiredIntegerMetadata.flatMap { files(family)[$0.role] }
        return try folder(family, languages: languages, options: options) { name in
            if name.hasSuffix(".txt") { return tokens }
            return try? tinyONNX(name == metadataFile ? metadata : [:])
        }
    }

    /// The error `body` throws (recording an issue when it throws none or another type).
    static func modelError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ModelError? {
        do {
            try body()
            Issue.record("no error was thrown", sourceLocation: sourceLocation)
        } catch let error as ModelError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    static func loadError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> ModelError? {
        do {
            try await body()
            Issue.record("no error was thrown", sourceLocation: sourceLocation)
        } catch let error as ModelError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    static func configuration(_ model: InstalledModel) throws -> SherpaRecognizerConfiguration {
        try SherpaRecognizerConfiguration(model: model, defaultThreads: 1)
    }

    static let fasterWhisperFiles = [
        "model": "model.bin", "config": "config.json", "tokenizer": "tokenizer.json",
        "vocabulary": "vocabulary.txt",
    ]

    // MARK: families

    @Test func familiesMapToTheirEngineKinds() {
        for family in SherpaRecognizerFamily.allCases {
            #expect(SherpaRecognizerFamily(engine: family.engine) == family)
            #expect(family.engine.isRecognizer && !family.engine.isSynthesizer)
            #expect(family.requiredFileRoles.contains("tokens"))
            #expect(!family.onnxFileRoles.contains("tokens"))
            #expect(family.maxWindowSeconds > 0 && family.maxWindowSeconds < 29.5)
            if let required = family.requiredIntegerMetadata {
                #expect(family.onnxFileRoles.contains(required.role))
                #expect(!required.keys.isEmpty)
            }
        }
        for engine in EngineKind.allCases where !([.sherpaWhisper, .senseVoice, .moonshine] as [EngineKind]).contains(engine) {
            #expect(SherpaRecognizerFamily(engine: engine) == nil)
        }
        #expect(EngineKind(rawValue: "sherpa-whisper") == .sherpaWhisper)
        #expect(EngineKind(rawValue: "sense-voice") == .senseVoice)
        #expect(EngineKind(rawValue: "moonshine") == .moonshine)
    }

    // MARK: manifest

    @Test func eachMissingRoleIsNamed() throws {
        for family in SherpaRecognizerFamily.allCases {
            for role in family.requiredFileRoles {
                var files = Self.files(family)
                files[role] = nil
                let model = try Self.folder(family, files: files)
                defer { Self.remove(model) }
                let error = Self.modelError { _ = try Self.configuration(model) }
                #expect(error == .missingFile(model: "rec", file: role), "\(family) without \(role)")
                #expect(error?.message.contains("'\(role)'") == true)
            }
        }
    }

    @Test func anAbsentFileIsNamedAndLoadSaysTheSame() async throws {
        let model = try Self.folder(.senseVoice) { $0 == "model.int8.onnx" ? nil : Self.goodTokens }
        defer { Self.remove(model) }
        #expect(Self.modelError { _ = try Self.configuration(model) } == .missingFile(model: "rec", file: "model.int8.onnx"))
        let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
        #expect(error == .missingFile(model: "rec", file: "model.int8.onnx"))
        #expect(error?.code == "model.missing_file")
    }

    @Test func pathsMayNotEscapeTheModelFolder() throws {
        let model = try Self.folder(.whisper)
        defer { Self.remove(model) }
        // A real file outside the folder, so only the path check can refuse it.
        let outside = model.directory.deletingLastPathComponent().appendingPathComponent("outside-\(UUID().uuidString).onnx")
        try Self.randomBytes(64).write(to: outside)
        defer { try? FileManager.default.removeItem(at: outside) }
        for name in ["../\(outside.lastPathComponent)", "sub/../../\(outside.lastPathComponent)", outside.path, "", "../x"] {
            var escaping = model
            escaping.manifest.files["encoder"] = name
            let error = Self.modelError { _ = try Self.configuration(escaping) }
            guard case let .invalidManifest(path, reason) = error else {
                Issue.record("\(name): \(String(describing: error))")
                continue
            }
            #expect(path == "rec")
            #expect(reason.contains("outside the model folder"), "\(reason)")
        }
    }

    @Test func aFolderInPlaceOfAFileIsRefused() throws {
        let model = try Self.folder(.senseVoice) { $0 == "model.int8.onnx" ? nil : Self.goodTokens }
        defer { Self.remove(model) }
        try FileManager.default.createDirectory(
            at: model.directory.appendingPathComponent("model.int8.onnx"),
            withIntermediateDirectories: false)
        let error = Self.modelError { _ = try Self.configuration(model) }
        guard case let .invalidManifest(_, reason) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(reason.contains("not a regular file") && reason.contains("model.int8.onnx"), "\(reason)")
    }

    @Test func otherEnginesAreRefused() async throws {
        for engine in EngineKind.allCases where SherpaRecognizerFamily(engine: engine) == nil {
            var model = try Self.folder(.senseVoice)
            defer { Self.remove(model) }
            model.manifest.engine = engine
            let error = Self.modelError { _ = try Self.configuration(model) }
            guard case let .invalidManifest(_, reason) = error else {
                Issue.record("\(engine): \(String(describing: error))")
                continue
            }
            #expect(reason.contains("not a sherpa-onnx recognizer") && reason.contains(engine.rawValue), "\(reason)")
            let whenLoading = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
            #expect(whenLoading == error)
        }
    }

    @Test func optionsHaveDocumentedDefaults() throws {
        let whisper = try Self.folder(.whisper)
        defer { Self.remove(whisper) }
        let plain = try SherpaRecognizerConfiguration(model: whisper, defaultThreads: 3)
        #expect(plain.modelID == "rec")
        #expect(plain.family == .whisper)
        #expect(plain.numThreads == 3)
        #expect(plain.provider == "cpu")
        #expect(plain.language == "")
        #expect(plain.useITN)
        #expect(plain.languages == ["en"])
        #expect(Set(plain.files.keys) == Set(SherpaRecognizerFamily.whisper.requiredFileRoles))
        #expect(try plain.file("encoder") == whisper.directory.appendingPathComponent("tiny.en-encoder.int8.onnx"))
        #expect(Self.modelError { _ = try plain.file("model") } == .missingFile(model: "rec", file: "model"))
        #expect(try SherpaRecognizerConfiguration(model: whisper, defaultThreads: 0).numThreads == 1)
        #expect(try SherpaRecognizerConfiguration(model: whisper, defaultThreads: 500).numThreads == 64)
        #expect(SherpaOfflineRecognizer.defaultThreads == 2)
        #expect(try SherpaRecognizerConfiguration(model: whisper).numThreads == 2)

        var configured = whisper
        configured.manifest.options = ["numThreads": " 4 ", "provider": "cuda", "language": " DE "]
        let set = try SherpaRecognizerConfiguration(model: configured, defaultThreads: 1)
        #expect(set.numThreads == 4 && set.provider == "cuda" && set.language == "de")
        configured.manifest.options = ["language": "auto"]
        #expect(try Self.configuration(configured).language == "")

        let senseVoice = try Self.folder(.senseVoice, languages: ["zh", "en", "ja", "ko", "yue"])
        defer { Self.remove(senseVoice) }
        for (value, expected) in [("yue", "yue"), ("AUTO", ""), ("", ""), ("ZH", "zh")] {
            var withLanguage = senseVoice
            withLanguage.manifest.options = ["language": value]
            #expect(try Self.configuration(withLanguage).language == expected, "language = '\(value)'")
        }
        for (value, expected) in [("false", false), ("0", false), ("No", false), ("TRUE", true), ("1", true), (" yes ", true)] {
            var withITN = senseVoice
            withITN.manifest.options = ["useITN": value]
            #expect(try Self.configuration(withITN).useITN == expected, "useITN = '\(value)'")
        }

        // Moonshine takes no language hint; the option is ignored.
        let moonshine = try Self.folder(.moonshine, options: ["language": "fr"])
        defer { Self.remove(moonshine) }
        #expect(try Self.configuration(moonshine).language == "")
    }

    @Test func badOptionsAreRefusedByName() throws {
        let cases: [(SherpaRecognizerFamily, String, String, String)] = [
            (.whisper, "numThreads", "many", "1 to 64"),
            (.whisper, "numThreads", "0", "1 to 64"),
            (.whisper, "numThreads", "65", "1 to 64"),
            (.whisper, "numThreads", "-2", "1 to 64"),
            (.whisper, "numThreads", "2.5", "1 to 64"),
            (.moonshine, "numThreads", "", "1 to 64"),
            (.senseVoice, "provider", "   ", "must not be empty"),
            (.whisper, "language", "en us", "Whisper language code"),
            (.whisper, "language", "e1", "Whisper language code"),
            (.whisper, "language", "../de", "Whisper language code"),
            (.whisper, "language", "日本語", "Whisper language code"),
            (.senseVoice, "language", "fr", "must be one of auto, zh, en, ja, ko, yue"),
            (.senseVoice, "language", "english", "must be one of"),
            (.senseVoice, "useITN", "maybe", "true or false"),
            (.moonshine, "useITN", "2", "true or false"),
        ]
        for (family, key, value, expectation) in cases {
            let model = try Self.folder(family, options: [key: value])
            defer { Self.remove(model) }
            let error = Self.modelError { _ = try Self.configuration(model) }
            guard case let .invalidManifest(path, reason) = error else {
                Issue.record("\(family) \(key) = '\(value)': \(String(describing: error))")
                continue
            }
            #expect(path == "rec")
            #expect(reason.contains("option \(key) = '\(value)'") && reason.contains(expectation), "\(reason)")
            #expect(error?.message.contains("manifest rec is invalid") == true)
        }
    }
}
