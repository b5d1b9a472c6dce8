import Foundation
import Testing
@testable import GLMTTSEngine
import GLMTTSTestSupport

/// What can be tested of the in-process sherpa-onnx recognizers (sherpa-whisper, sense-voice,
/// moonshine) without their weights (none can be obtained here): manifest and option checks,
/// the pre-flight that keeps sherpa-onnx from ending the process on bad files, tokens-file
/// parsing, window splitting, the result → `Transcript` mapping and how the auto-transcription
/// rule treats it, and how `EngineRegistry` picks and refuses recognizers. No test here
/// transcribes real speech: see docs/RECOGNIZERS.md ("Unverified here").
@Suite struct SherpaOfflineRecognizerTests {
    // File names as in the published packs (sherpa-onnx release `asr-models`).
    static let whisperFiles = ["encoder": "tiny.en-encoder.int8.onnx", "decoder": "tiny.en-decoder.int8.onnx",
                               "tokens": "tiny.en-tokens.txt"]
    static let senseVoiceFiles = ["model": "model.int8.onnx", "tokens": "tokens.txt"]
    static let moonshineFiles = ["preprocessor": "preprocess.onnx", "encoder": "encode.int8.onnx",
                                 "uncachedDecoder": "uncached_decode.int8.onnx", "cachedDecoder": "cached_decode.int8.onnx",
                                 "tokens": "tokens.txt"]

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
    static func folder(_ family: SherpaRecognizerFamily, id: String = "rec", files: [String: String]? = nil,
                       languages: [String] = ["en"], options: [String: String] = [:],
                       content: (String) -> Data? = garbage) throws -> InstalledModel {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sherpa-rec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = files ?? Self.files(family)
        for name in Set(files.values) {
            if let data = content(name) { try data.write(to: directory.appendingPathComponent(name)) }
        }
        let manifest = ModelManifest(id: id, engine: family.engine, description: "test", sampleRate: 16_000,
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
        var values = ["n_mels": "80", "n_audio_ctx": "1500", "n_text_layer": "4", "n_text_ctx": "448",
                      "n_text_state": "384", "n_vocab": multilingual ? "51865" : "51864", "sot": "50257",
                      "eot": "50256", "blank_id": "220", "translate": "50358", "transcribe": "50359",
                      "is_multilingual": multilingual ? "1" : "0", "no_timestamps": "50362", "no_speech": "50361",
                      "sot_sequence": multilingual ? "50258,50259,50359" : "50257"]
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
    static func parsingFolder(_ family: SherpaRecognizerFamily, metadata: [String: String], languages: [String] = ["en"],
                              options: [String: String] = [:], tokens: Data = goodTokens) throws -> InstalledModel {
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
            guard case let .invalidManifest(path, reason) = error else { Issue.record("\(name): \(String(describing: error))"); continue }
            #expect(path == "rec")
            #expect(reason.contains("outside the model folder"), "\(reason)")
        }
    }

    @Test func aFolderInPlaceOfAFileIsRefused() throws {
        let model = try Self.folder(.senseVoice) { $0 == "model.int8.onnx" ? nil : Self.goodTokens }
        defer { Self.remove(model) }
        try FileManager.default.createDirectory(at: model.directory.appendingPathComponent("model.int8.onnx"),
                                                withIntermediateDirectories: false)
        let error = Self.modelError { _ = try Self.configuration(model) }
        guard case let .invalidManifest(_, reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("not a regular file") && reason.contains("model.int8.onnx"), "\(reason)")
    }

    @Test func otherEnginesAreRefused() async throws {
        for engine in EngineKind.allCases where SherpaRecognizerFamily(engine: engine) == nil {
            var model = try Self.folder(.senseVoice)
            defer { Self.remove(model) }
            model.manifest.engine = engine
            let error = Self.modelError { _ = try Self.configuration(model) }
            guard case let .invalidManifest(_, reason) = error else { Issue.record("\(engine): \(String(describing: error))"); continue }
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

    // MARK: pre-flight: files that are not the model

    /// Random bytes where an ONNX model belongs: refused before sherpa-onnx sees them (which
    /// could end the process), for every family and every ONNX role; the process carries on.
    @Test func garbageOnnxFilesAreRefusedBeforeSherpaOnnx() async throws {
        for family in SherpaRecognizerFamily.allCases {
            for role in family.onnxFileRoles {
                let bad = Self.files(family)[role]!
                let model = try Self.folder(family) { name in
                    name.hasSuffix(".txt") ? Self.goodTokens : (name == bad ? Self.randomBytes(4_096) : try? Self.tinyONNX())
                }
                defer { Self.remove(model) }
                let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
                guard case let .loadFailed(name, reason) = error else {
                    Issue.record("\(family) \(role): \(String(describing: error))")
                    continue
                }
                #expect(name == "rec")
                #expect(reason.contains("its \(role) file '\(bad)' is not a usable ONNX model"), "\(reason)")
            }
        }
        // Still here, and a second attempt fails the same way rather than crashing.
        let model = try Self.folder(.moonshine)
        defer { Self.remove(model) }
        for _ in 0..<2 {
            let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
            #expect(error?.code == "model.load_failed")
        }
    }

    @Test func emptyAndTruncatedOnnxFilesAreRefused() throws {
        let full = try Self.tinyONNX(Self.senseVoiceMetadata)
        for bytes in [Data(), full.prefix(full.count - 3), Data("not onnx at all\n".utf8)] {
            let model = try Self.folder(.senseVoice) { $0.hasSuffix(".txt") ? Self.goodTokens : bytes }
            defer { Self.remove(model) }
            let configuration = try Self.configuration(model)
            let error = Self.modelError { try SherpaRecognizerPreflight.check(configuration) }
            guard case let .loadFailed(_, reason) = error else { Issue.record("\(String(describing: error))"); continue }
            #expect(reason.contains("model file 'model.int8.onnx' is not a usable ONNX model"), "\(reason)")
        }
    }

    @Test func malformedTokensFilesAreRefusedWithTheLine() async throws {
        let cases: [(String, String)] = [
            ("a 0\nb 1 extra\n", "line 2 has 3 fields"),
            ("a 0\nb one\n", "line 2: 'one' is not a token id"),
            ("a 0\nb 1.5\n", "line 2: '1.5' is not a token id"),
            ("a 99999999999\n", "line 1: '99999999999' is not a token id"),
            ("", "it holds no tokens"),
            ("\n \n\t\n", "it holds no tokens"),
        ]
        for family in SherpaRecognizerFamily.allCases {
            for (text, expected) in cases {
                let model = try Self.folder(family) { $0.hasSuffix(".txt") ? Data(text.utf8) : try? Self.tinyONNX() }
                defer { Self.remove(model) }
                let tokens = Self.files(family)["tokens"]!
                let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
                guard case let .loadFailed(_, reason) = error else {
                    Issue.record("\(family) \(text.debugDescription): \(String(describing: error))")
                    continue
                }
                #expect(reason.contains("tokens file '\(tokens)' is not a sherpa-onnx tokens file"), "\(reason)")
                #expect(reason.contains(expected), "\(reason)")
            }
        }
    }

    @Test func anUnreadableTokensFileIsRefused() throws {
        let model = try Self.folder(.moonshine)
        defer { Self.remove(model) }
        let missing = model.directory.appendingPathComponent("gone.txt")
        let error = Self.modelError { _ = try SherpaTokensFile.tokenIDs(in: missing, modelID: "rec") }
        guard case let .loadFailed(name, reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(name == "rec" && reason.contains("'gone.txt' cannot be read"), "\(reason)")
    }

    // MARK: pre-flight: metadata

    @Test func aWhisperEncoderWithoutMetadataIsRefused() throws {
        let model = try Self.parsingFolder(.whisper, metadata: [:])
        defer { Self.remove(model) }
        let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
        guard case let .loadFailed(_, reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("encoder file 'tiny.en-encoder.int8.onnx' has no 'n_mels' metadata"), "\(reason)")
        #expect(reason.contains("not a sherpa-onnx Whisper export"), "\(reason)")
    }

    @Test func eachRequiredMetadataKeyIsChecked() throws {
        for family in SherpaRecognizerFamily.allCases {
            guard let required = family.requiredIntegerMetadata else { continue }
            let (role, keys) = required
            let complete = family == .whisper ? Self.whisperMetadata(multilingual: false) : Self.senseVoiceMetadata
            for key in keys {
                for broken in [nil, "", "-1"] as [String?] {
                    var metadata = complete
                    metadata[key] = broken
                    let model = try Self.parsingFolder(family, metadata: metadata)
                    defer { Self.remove(model) }
                    let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
                    guard case let .loadFailed(_, reason) = error else {
                        Issue.record("\(family) \(key) = \(String(describing: broken)): \(String(describing: error))")
                        continue
                    }
                    let expected = broken == "-1" ? "has a negative '\(key)'" : "has no '\(key)' metadata"
                    #expect(reason.contains("its \(role) file") && reason.contains(expected), "\(reason)")
                }
            }
        }
    }

    @Test func completeMetadataPassesAndTellsWhetherWhisperIsMultilingual() throws {
        let english = try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: false))
        defer { Self.remove(english) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(english)) == false)

        let multilingual = try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: true),
                                                  languages: ["en", "zh", "de"], options: ["language": "de"])
        defer { Self.remove(multilingual) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(multilingual)) == true)

        let senseVoice = try Self.parsingFolder(.senseVoice, metadata: Self.senseVoiceMetadata)
        defer { Self.remove(senseVoice) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(senseVoice)) == nil)

        // Moonshine v1 reads no metadata: parsing ONNX files and a good tokens file pass.
        let moonshine = try Self.parsingFolder(.moonshine, metadata: [:])
        defer { Self.remove(moonshine) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(moonshine)) == nil)
    }

    @Test func whisperSequencesAndLanguagesMustBeConsistent() throws {
        let cases: [([String: String?], [String: String], String)] = [
            (["sot_sequence": "50258,x"], [:], "has a malformed 'sot_sequence'"),
            (["sot_sequence": nil], [:], "has no 'sot_sequence' metadata"),
            (["all_language_tokens": nil], [:], "has no 'all_language_tokens' metadata"),
            (["all_language_codes": nil], [:], "has no 'all_language_codes' metadata"),
            (["all_language_tokens": "50259,50260"], [:], "lists 2 language tokens but 3 language codes"),
            (["all_language_tokens": "50259,99999999999,50261"], [:], "malformed 'all_language_tokens'"),
        ]
        for (changes, options, expected) in cases {
            var metadata = Self.whisperMetadata(multilingual: true)
            for (key, value) in changes { metadata[key] = value }
            let model = try Self.parsingFolder(.whisper, metadata: metadata, options: options)
            defer { Self.remove(model) }
            let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
            guard case let .loadFailed(_, reason) = error else { Issue.record("\(changes): \(String(describing: error))"); continue }
            #expect(reason.contains(expected), "\(reason)")
        }
    }

    @Test func aWhisperLanguageTheModelDoesNotKnowIsRefused() throws {
        let multilingual = try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: true),
                                                  options: ["language": "fr"])
        defer { Self.remove(multilingual) }
        let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(multilingual)) }
        guard case let .invalidManifest(_, reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("option language = 'fr' is not a language of this Whisper model"), "\(reason)")
        #expect(reason.contains("en, zh, de"), "\(reason)")

        let english = try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: false),
                                             options: ["language": "de"])
        defer { Self.remove(english) }
        let englishError = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(english)) }
        guard case let .invalidManifest(_, englishReason) = englishError else { Issue.record("\(String(describing: englishError))"); return }
        #expect(englishReason.contains("only knows English"), "\(englishReason)")

        let englishAsked = try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: false),
                                                  options: ["language": "en"])
        defer { Self.remove(englishAsked) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(englishAsked)) == false)
    }

    @Test func senseVoiceMetadataAndTokensMustMatch() throws {
        var nano = Self.senseVoiceMetadata
        nano["comment"] = "FunASR-Nano export"
        var badMean = Self.senseVoiceMetadata
        badMean["neg_mean"] = "-8.3,abc"
        var noStddev = Self.senseVoiceMetadata
        noStddev["inv_stddev"] = nil
        var bigVocabulary = Self.senseVoiceMetadata
        bigVocabulary["vocab_size"] = "6"
        let cases: [([String: String], Data, String)] = [
            (nano, Self.goodTokens, "is a FunASR-Nano model, not SenseVoice"),
            (badMean, Self.goodTokens, "has a malformed 'neg_mean'"),
            (noStddev, Self.goodTokens, "has no 'inv_stddev' metadata"),
            (bigVocabulary, Self.goodTokens, "tokens file 'tokens.txt' has no token 4 but the model has 6"),
            (Self.senseVoiceMetadata, Data("a 0\nb 1\nd 3\n".utf8), "has no token 2 but the model has 4"),
        ]
        for (metadata, tokens, expected) in cases {
            let model = try Self.parsingFolder(.senseVoice, metadata: metadata, tokens: tokens)
            defer { Self.remove(model) }
            let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
            guard case let .loadFailed(_, reason) = error else { Issue.record("\(expected): \(String(describing: error))"); continue }
            #expect(reason.contains(expected), "\(reason)")
        }
    }

    /// A model our pre-flight cannot tell from a real one (ONNX that parses, complete
    /// metadata) but that ONNX Runtime cannot run: sherpa-onnx must return NULL, which
    /// becomes `loadFailed`, and the process carries on.
    @Test func sherpaOnnxRefusingAModelBecomesLoadFailed() async throws {
        let folders = [
            try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: false)),
            try Self.parsingFolder(.senseVoice, metadata: Self.senseVoiceMetadata),
            try Self.parsingFolder(.moonshine, metadata: [:]),
        ]
        defer { folders.forEach(Self.remove) }
        for model in folders {
            let family = try #require(SherpaRecognizerFamily(engine: model.manifest.engine))
            let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
            guard case let .loadFailed(name, reason) = error else { Issue.record("\(family): \(String(describing: error))"); continue }
            #expect(name == "rec")
            #expect(reason.contains("sherpa-onnx refused to create its \(family.displayName) recognizer"), "\(reason)")
            #expect(reason.contains(family.requiredFileRoles.joined(separator: ", ")), "\(reason)")
        }
    }

    // MARK: tokens files

    @Test func tokenIDsAreReadTheWaySherpaOnnxReadsThem() throws {
        let text = "<blk> 0\n▁the\t1\r\n\n   2\n<0x0A> +3\nneg -1\n   \n"
        #expect(try SherpaTokensFile.parseTokenIDs(Data(text.utf8)) == [0, 1, 2, 3, -1])
        // Symbols are bytes, not necessarily UTF-8; a file without a final newline is fine.
        #expect(try SherpaTokensFile.parseTokenIDs(Data([0xFF, 0xFE, 0x20, 0x37, 0x0A, 0x80, 0x09, 0x38])) == [7, 8])
        // A lone field is the id of the space symbol, read like C atoi.
        #expect(try SherpaTokensFile.parseTokenIDs(Data("12abc\n".utf8)) == [12])
    }

    @Test func malformedTokenLinesAreRefused() {
        let cases: [(String, String)] = [
            ("a 0\nb c 1\n", "line 2 has 3 fields; expected 'symbol id'"),
            ("a 1 2 3\n", "line 1 has 4 fields; expected 'symbol id'"),
            ("a x\n", "line 1: 'x' is not a token id"),
            ("a 0x10\n", "line 1: '0x10' is not a token id"),
            ("a -\n", "line 1: '-' is not a token id"),
            ("a ٣\n", "line 1: '٣' is not a token id"),
            ("a 2147483648\n", "line 1: '2147483648' is not a token id"),
            ("", "it holds no tokens"),
            ("\r\n\r\n", "it holds no tokens"),
        ]
        for (text, expected) in cases {
            #expect(throws: SherpaTokensFile.Problem(description: expected), "\(text.debugDescription)") {
                _ = try SherpaTokensFile.parseTokenIDs(Data(text.utf8))
            }
        }
    }

    @Test func cIntegerBehavesLikeAtoi() {
        let cases: [(String, Int)] = [("42", 42), ("  -7", -7), ("+5", 5), ("12abc", 12), ("abc", 0), ("", 0), ("-", 0),
                                      ("99999999999", Int(Int32.max) + 1)]
        for (text, value) in cases { #expect(SherpaTokensFile.cInteger(text) == value, "\(text)") }
    }

    // MARK: windows

    static func noise(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(generator.next() % 1_000) / 1_000 - 0.4995 }
    }

    /// Checks that `windows` cover 0..<count contiguously, none empty or longer than `limit`
    /// (one expectation, however many windows).
    static func checkCover(_ windows: [Range<Int>], count: Int, limit: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        var problems: [String] = []
        if windows.first?.lowerBound != 0 { problems.append("does not start at 0") }
        if windows.last?.upperBound != count { problems.append("does not end at \(count)") }
        for (previous, next) in zip(windows, windows.dropFirst()) where previous.upperBound != next.lowerBound {
            problems.append("gap or overlap between \(previous) and \(next)")
        }
        for window in windows where window.isEmpty || window.count > limit {
            problems.append("window \(window) is empty or longer than \(limit)")
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test func shortAudioIsOneWindowAndEmptyAudioNone() {
        #expect(SherpaAudioWindows.split([], sampleRate: 16_000, maxSeconds: 28).isEmpty)
        #expect(SherpaAudioWindows.split([0.1], sampleRate: 16_000, maxSeconds: 28) == [0..<1])
        let exactly = Self.noise(28 * 16_000, seed: 1)
        #expect(SherpaAudioWindows.split(exactly, sampleRate: 16_000, maxSeconds: 28) == [0..<exactly.count])
        let oneMore = exactly + [0.2]
        let split = SherpaAudioWindows.split(oneMore, sampleRate: 16_000, maxSeconds: 28)
        #expect(split.count == 2)
        Self.checkCover(split, count: oneMore.count, limit: 28 * 16_000)
    }

    @Test func longAudioIsCutAtTheQuietPointNearEachLimit() {
        let rate = 16_000
        var samples = Self.noise(100 * rate, seed: 7)
        // 60 ms of silence 1.5 s before the first 28 s limit, and another 2 s before the next.
        let quiet1 = Int(26.5 * Double(rate))..<(Int(26.5 * Double(rate)) + 960)
        for index in quiet1 { samples[index] = 0 }
        let windows = SherpaAudioWindows.split(samples, sampleRate: rate, maxSeconds: 28)
        Self.checkCover(windows, count: samples.count, limit: 28 * rate)
        #expect(windows.count == 4)
        #expect(quiet1.contains(windows[0].upperBound), "first cut at \(windows[0].upperBound), silence at \(quiet1)")
        let second = windows[1].lowerBound + 26 * rate
        let quiet2 = second..<(second + 960)
        for index in quiet2 { samples[index] = 0 }
        let again = SherpaAudioWindows.split(samples, sampleRate: rate, maxSeconds: 28)
        #expect(again[0] == windows[0])
        #expect(quiet2.contains(again[1].upperBound), "second cut at \(again[1].upperBound), silence at \(quiet2)")
        Self.checkCover(again, count: samples.count, limit: 28 * rate)
        // Cuts never go further back than the 3 s look-back.
        for window in again.dropLast() { #expect(window.count >= 25 * rate) }
    }

    @Test func windowsCoverEverySampleForAnyLengthAndLimit() {
        var generator = SplitMix64(seed: 0xC0FFEE)
        for trial in 0..<200 {
            let rate = [8_000, 16_000, 1_000, 100, 7][Int(generator.next() % 5)]
            let maxSeconds = [0.0001, 0.01, 0.5, 1, 3.3, 28][Int(generator.next() % 6)]
            let count = Int(generator.next() % 20_000)
            let samples = Self.noise(count, seed: UInt64(trial))
            let windows = SherpaAudioWindows.split(samples, sampleRate: rate, maxSeconds: maxSeconds)
            if count == 0 {
                #expect(windows.isEmpty)
                continue
            }
            Self.checkCover(windows, count: count, limit: max(Int(maxSeconds * Double(rate)), 1))
        }
    }

    // MARK: results

    @Test func languageLabelsBecomePlainCodes() {
        let cases: [(String, String?)] = [("<|en|>", "en"), ("en", "en"), (" <|yue|> ", "yue"), ("<|ZH|>", "zh"),
                                          ("<|nospeech|>", nil), ("<|NoSpeech|>", nil), ("", nil), ("   ", nil), ("<||>", nil)]
        for (label, code) in cases { #expect(SherpaTranscriptBuilder.languageCode(label) == code, "\(label.debugDescription)") }
    }

    typealias Decoded = SherpaDecodedWindow

    @Test func windowsJoinIntoOneTranscript() {
        let windows = [
            Decoded(offset: 0, duration: 27.5, text: " Hello there. ", timestamps: [0.5, 0.75]),
            Decoded(offset: 27.5, duration: 10, text: "\n", timestamps: []),
            Decoded(offset: 37.5, duration: 2.5, text: "General Kenobi.", timestamps: [30]),
        ]
        let transcript = SherpaTranscriptBuilder.transcript(from: windows, family: .moonshine, languages: ["en"], duration: 40)
        #expect(transcript.text == "Hello there. General Kenobi.")
        #expect(transcript.language == "en")  // the manifest's only language
        #expect(transcript.languageProbability == nil)
        #expect(transcript.duration == 40)
        #expect(transcript.segments == [
            TranscriptSegment(start: 0.5, end: 27.5, text: "Hello there."),
            TranscriptSegment(start: 40, end: 40, text: "General Kenobi."),  // a first token past the end is clamped
        ])
        for segment in transcript.segments {
            #expect(segment.averageLogProbability == nil && segment.noSpeechProbability == nil && segment.compressionRatio == nil)
        }

        let empty = SherpaTranscriptBuilder.transcript(from: [], family: .whisper, languages: ["en", "de"], duration: 0)
        #expect(empty == Transcript(text: "", language: nil, languageProbability: nil, duration: 0, segments: []))
    }

    @Test func cjkWindowsJoinWithoutASpace() {
        let windows = [
            Decoded(offset: 0, duration: 28, text: "你好", language: "<|zh|>"),
            Decoded(offset: 28, duration: 28, text: "世界。", language: "<|zh|>"),
            Decoded(offset: 56, duration: 5, text: "OK", language: "<|en|>"),
            Decoded(offset: 61, duration: 5, text: "谢谢", language: "<|zh|>"),
        ]
        let transcript = SherpaTranscriptBuilder.transcript(from: windows, family: .senseVoice,
                                                            languages: ["zh", "en", "ja", "ko", "yue"], duration: 66)
        #expect(transcript.text == "你好世界。 OK 谢谢")
        #expect(transcript.language == "zh")
        #expect(transcript.segments.map(\.text) == ["你好", "世界。", "OK", "谢谢"])
    }

    @Test func theLanguageIsTheOneHeardLongest() {
        let windows = [
            Decoded(offset: 0, duration: 5, text: "hello", language: "<|en|>"),
            Decoded(offset: 5, duration: 20, text: "こんにちは", language: "<|ja|>"),
            Decoded(offset: 25, duration: 10, text: "hi again", language: "<|en|>"),
            Decoded(offset: 35, duration: 30, text: "", language: "<|ko|>"),  // no text: does not count
        ]
        let transcript = SherpaTranscriptBuilder.transcript(from: windows, family: .senseVoice, languages: ["en", "ja", "ko"], duration: 65)
        #expect(transcript.language == "ja")
        // Ties go to the alphabetically first code, so the result does not depend on hashing.
        let tied = SherpaTranscriptBuilder.transcript(
            from: [Decoded(offset: 0, duration: 5, text: "a", language: "zh"), Decoded(offset: 5, duration: 5, text: "b", language: "en")],
            family: .whisper, languages: ["en", "zh"], duration: 10)
        #expect(tied.language == "en")
        // No label and several manifest languages: unknown.
        let unlabelled = SherpaTranscriptBuilder.transcript(
            from: [Decoded(offset: 0, duration: 5, text: "hallo")], family: .whisper, languages: ["en", "de"], duration: 5)
        #expect(unlabelled.language == nil)
    }

    @Test func senseVoiceNoSpeechTagAndLogProbabilitiesAreCarried() {
        let windows = [
            Decoded(offset: 0, duration: 4, text: "嗯", language: "<|nospeech|>"),
            Decoded(offset: 4, duration: 4, text: "yes", language: "<|en|>", logProbabilities: [-0.5, -1.5]),
        ]
        let transcript = SherpaTranscriptBuilder.transcript(from: windows, family: .senseVoice, languages: ["zh", "en"], duration: 8)
        #expect(transcript.segments[0].noSpeechProbability == 1)
        #expect(transcript.segments[0].averageLogProbability == nil)
        #expect(transcript.segments[1].noSpeechProbability == nil)
        #expect(transcript.segments[1].averageLogProbability == -1)
        #expect(transcript.language == "en")
        // The tag means nothing for other families.
        let whisper = SherpaTranscriptBuilder.transcript(from: [windows[0]], family: .whisper, languages: ["zh"], duration: 4)
        #expect(whisper.segments[0].noSpeechProbability == nil)
    }

    @Test func sherpaSegmentsAreOffsetByTheirWindow() {
        let window = Decoded(offset: 28, duration: 10, text: "one two", timestamps: [0.1],
                             segments: [.init(start: 1, duration: 2, text: " one "), .init(start: 4, duration: 1, text: " "),
                                        .init(start: -1, duration: -3, text: "two")])
        let transcript = SherpaTranscriptBuilder.transcript(from: [window], family: .whisper, languages: ["en"], duration: 38)
        #expect(transcript.segments == [TranscriptSegment(start: 29, end: 31, text: "one"),
                                        TranscriptSegment(start: 28, end: 28, text: "two")])
        #expect(transcript.text == "one two")
    }

    // MARK: the auto-transcription rule on these transcripts

    struct StubRecognizer: SpeechRecognizer {
        let id: String
        let capabilities: RecognizerCapabilities
        func transcribe(_ audio: AudioBuffer, language: String?) async throws -> Transcript { throw AudioError.noSamples }
    }

    @Test func referenceTranscriberJudgesTranscriptsWithoutConfidence() throws {
        let multilingual = ReferenceTranscriber(recognizer: StubRecognizer(
            id: "sense", capabilities: RecognizerCapabilities(languages: ["zh", "en"], englishOnly: false)))
        func transcript(_ windows: [Decoded], _ family: SherpaRecognizerFamily = .senseVoice) -> Transcript {
            SherpaTranscriptBuilder.transcript(from: windows, family: family, languages: ["zh", "en"], duration: 5)
        }
        // No confidence figures: words in a known language pass.
        let english = transcript([Decoded(offset: 0, duration: 5, text: "This is my voice.", language: "<|en|>")])
        #expect(try multilingual.check(english) == english)
        // SenseVoice's no-speech tag refuses it.
        #expect(throws: TranscriptionError.noSpeech(recognizer: "sense")) {
            try multilingual.check(transcript([Decoded(offset: 0, duration: 5, text: "嗯嗯", language: "<|nospeech|>")]))
        }
        // A detected language the manifest does not list.
        #expect(throws: TranscriptionError.unsupportedLanguage(recognizer: "sense", language: "ja")) {
            try multilingual.check(transcript([Decoded(offset: 0, duration: 5, text: "こんにちは", language: "<|ja|>")]))
        }
        // Nothing heard, or digits instead of words.
        #expect(throws: TranscriptionError.noSpeech(recognizer: "sense")) { try multilingual.check(transcript([])) }
        #expect(throws: TranscriptionError.self) {
            try multilingual.check(transcript([Decoded(offset: 0, duration: 5, text: "1-2-1-2-4-3", language: "<|en|>")]))
        }

        // An English-only model (Moonshine tiny.en) has no language check and no confidence
        // to apply its stricter bar to: only the empty-text and letter-share rules remain.
        let englishOnly = ReferenceTranscriber(recognizer: StubRecognizer(
            id: "moon", capabilities: RecognizerCapabilities(languages: ["en"], englishOnly: true)))
        let guess = SherpaTranscriptBuilder.transcript(
            from: [Decoded(offset: 0, duration: 5, text: "Nee how my.")], family: .moonshine, languages: ["en"], duration: 5)
        #expect(try englishOnly.check(guess).language == "en")
    }

    // MARK: EngineRegistry

    /// A models directory holding the given manifests (each folder with files `files`, holding
    /// random bytes, except tokens files, which are well-formed).
    static func store(_ entries: [(id: String, engine: EngineKind, files: [String: String])]) throws -> ModelStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sherpa-store-\(UUID().uuidString)")
        let store = ModelStore(directory: directory)
        for entry in entries {
            let manifest = ModelManifest(id: entry.id, engine: entry.engine, description: "test", sampleRate: 16_000,
                                         languages: ["en"], files: entry.files, licence: "test",
                                         capabilities: ManifestCapabilities(canClone: false, streaming: false))
            let folder = try store.write(manifest).deletingLastPathComponent()
            for name in Set(entry.files.values) {
                try (Self.garbage(name) ?? Data()).write(to: folder.appendingPathComponent(name))
            }
        }
        return store
    }

    static let fasterWhisperFiles = ["model": "model.bin", "config": "config.json", "tokenizer": "tokenizer.json",
                                     "vocabulary": "vocabulary.txt"]

    @Test func registryRefusesNonRecognizersByName() async throws {
        let store = try Self.store([
            ("voice", .piper, ["model": "model.onnx", "tokens": "tokens.txt"]),
            ("vad", .sileroVAD, ["model": "silero_vad.onnx"]),
            ("whisper-tiny.en", .fasterWhisper, Self.fasterWhisperFiles),
        ])
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let registry = EngineRegistry(store: store, projectRoot: TestEnvironment.packageRoot)
        for (id, engine) in [("voice", "piper"), ("vad", "silero-vad")] {
            let error = await Self.loadError { _ = try await registry.recognizer(id: id) }
            guard case let .invalidManifest(path, reason) = error else { Issue.record("\(id): \(String(describing: error))"); continue }
            #expect(path == id)
            #expect(reason == "it is a \(engine) model, not a speech recognizer")
        }
        let unknown = await Self.loadError { _ = try await registry.recognizer(id: "nope") }
        #expect(unknown == .notFound(id: "nope", available: ["vad", "voice", "whisper-tiny.en"]))
        let unsafe = await Self.loadError { _ = try await registry.recognizer(id: "../voice") }
        #expect(unsafe == .invalidID("../voice"))
        // The refusals broke nothing: the default still resolves.
        #expect(try await registry.recognizer().id == "whisper-tiny.en")
    }

    @Test func registryDefaultPrefersWhisperTinyThenFasterWhisperThenTheFirstOther() async throws {
        let preferred = try Self.store([
            ("a-sense", .senseVoice, Self.senseVoiceFiles),
            ("a-whisper", .fasterWhisper, Self.fasterWhisperFiles),
            ("whisper-tiny.en", .fasterWhisper, Self.fasterWhisperFiles),
        ])
        defer { try? FileManager.default.removeItem(at: preferred.directory) }
        let first = try await EngineRegistry(store: preferred, projectRoot: TestEnvironment.packageRoot).recognizer()
        #expect(first.id == "whisper-tiny.en")
        #expect(first is FasterWhisperRecognizer)

        let fasterWhisper = try Self.store([
            ("a-sense", .senseVoice, Self.senseVoiceFiles),
            ("b-vad", .sileroVAD, ["model": "silero_vad.onnx"]),
            ("z-whisper", .fasterWhisper, Self.fasterWhisperFiles),
        ])
        defer { try? FileManager.default.removeItem(at: fasterWhisper.directory) }
        let second = try await EngineRegistry(store: fasterWhisper, projectRoot: TestEnvironment.packageRoot).recognizer()
        #expect(second.id == "z-whisper")

        // Only sherpa-onnx recognizers: the first by id is loaded (and, being garbage, refused by name).
        let sherpaOnly = try Self.store([
            ("b-moon", .moonshine, Self.moonshineFiles),
            ("a-sense", .senseVoice, Self.senseVoiceFiles),
            ("c-voice", .piper, ["model": "model.onnx", "tokens": "tokens.txt"]),
        ])
        defer { try? FileManager.default.removeItem(at: sherpaOnly.directory) }
        let error = await Self.loadError { _ = try await EngineRegistry(store: sherpaOnly, projectRoot: TestEnvironment.packageRoot).recognizer() }
        guard case let .loadFailed(model, reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(model == "a-sense")
        #expect(reason.contains("model file 'model.int8.onnx' is not a usable ONNX model"), "\(reason)")

        let empty = try Self.store([("voice", .piper, ["model": "model.onnx", "tokens": "tokens.txt"])])
        defer { try? FileManager.default.removeItem(at: empty.directory) }
        await #expect(throws: TranscriptionError.noRecognizer) {
            _ = try await EngineRegistry(store: empty, projectRoot: TestEnvironment.packageRoot).recognizer()
        }
    }

    @Test func registryRetriesAFailedSherpaLoad() async throws {
        let store = try Self.store([("moon", .moonshine, Self.moonshineFiles)])
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let registry = EngineRegistry(store: store, projectRoot: TestEnvironment.packageRoot)
        let tokens = store.directory.appendingPathComponent("moon/tokens.txt")
        try Data("a b c\n".utf8).write(to: tokens)
        let first = await Self.loadError { _ = try await registry.recognizer(id: "moon") }
        guard case let .loadFailed(_, firstReason) = first else { Issue.record("\(String(describing: first))"); return }
        #expect(firstReason.contains("tokens file 'tokens.txt'"), "\(firstReason)")
        // Fixed on disk: the next request loads again (and now trips over the next problem).
        try Self.goodTokens.write(to: tokens)
        let second = await Self.loadError { _ = try await registry.recognizer(id: "moon") }
        guard case let .loadFailed(_, secondReason) = second else { Issue.record("\(String(describing: second))"); return }
        #expect(secondReason.contains("preprocessor file 'preprocess.onnx' is not a usable ONNX model"), "\(secondReason)")
    }
}
