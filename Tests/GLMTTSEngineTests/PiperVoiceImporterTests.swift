import CSherpaOnnx
import Foundation
import Synchronization
import Testing

@testable import GLMTTSEngine

@Suite(SharedImport.Cleanup()) struct PiperVoiceImporterTests {
    // MARK: - A real import

    @Test func importWritesSherpaMetadata() throws {
        let (result, _) = try SharedImport.instance.get()
        #expect(result.outcome == .imported)
        let model = try Data(contentsOf: result.model.fileURL("model"), options: .mappedIfSafe)
        let metadata = try OnnxModelMetadata.read(from: model)
        #expect(metadata["model_type"] == "vits")
        #expect(metadata["comment"] == "piper")
        #expect(metadata["language"] == "English")
        #expect(metadata["voice"] == "en-us")
        #expect(metadata["has_espeak"] == "1")
        #expect(metadata["n_speakers"] == "1")
        #expect(metadata["sample_rate"] == "22050")
    }

    @Test func importPreservesTheOriginalModelBytes() throws {
        let (result, _) = try SharedImport.instance.get()
        let original = try Data(contentsOf: PiperTestVoice.onnx, options: .mappedIfSafe)
        let imported = try Data(contentsOf: result.model.fileURL("model"), options: .mappedIfSafe)
        let before = try OnnxModelMetadata.parse(original, source: "original")
        let after = try OnnxModelMetadata.parse(imported, source: "imported")
        #expect(after.irVersion == before.irVersion)
        #expect(imported[after.graph] == original[before.graph])
        // The source has none of the sherpa keys, so the import only appends.
        let keys = PiperVoiceImporter.sherpaMetadata(for: try Self.joeConfig())
        #expect(before.entries.allSatisfy { keys[$0.key] == nil })
        #expect(imported.count > original.count)
        #expect(imported.prefix(original.count) == original)
    }

    @Test func tokensFileHasOneReadableLinePerSymbol() throws {
        let (result, _) = try SharedImport.instance.get()
        let map = try #require(try PiperTestVoice.configJSON()["phoneme_id_map"] as? [String: [Int]])
        let text = try String(contentsOf: result.model.fileURL("tokens"), encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == map.count)
        #expect(result.tokenCount == map.count)
        #expect(result.skippedSymbols.isEmpty)

        // Read the lines back the way sherpa-onnx does (whitespace-separated symbol and id;
        // a line holding only an id is the space symbol).
        var readBack: [Unicode.Scalar: Int] = [:]
        for line in lines {
            let fields = line.split(whereSeparator: { $0 == " " })
            let symbol: Unicode.Scalar
            let id: Int
            if fields.count == 1 {
                symbol = " "
                id = try #require(Int(fields[0]))
            } else {
                #expect(fields.count == 2, "line '\(line)'")
                let scalars = fields[0].unicodeScalars
                #expect(scalars.count == 1, "line '\(line)'")
                symbol = try #require(scalars.first)
                id = try #require(Int(fields[1]))
            }
            #expect(readBack.updateValue(id, forKey: symbol) == nil, "duplicate symbol in '\(line)'")
        }
        for (symbol, ids) in map {
            #expect(readBack[try #require(symbol.unicodeScalars.first)] == ids.first, "symbol \(symbol)")
        }
        #expect(readBack[" "] == 3)
        #expect(readBack["_"] == 0)
    }

    @Test func manifestIsValidAndLoadable() throws {
        let (result, dir) = try SharedImport.instance.get()
        let model = try ModelStore(directory: dir).model(id: "en_US-joe-medium")
        #expect(model == result.model)
        let manifest = model.manifest
        #expect(manifest.engine == .piper)
        #expect(manifest.sampleRate == 22_050)
        #expect(manifest.languages == ["en-US"])
        #expect(manifest.licence == "CC0")
        #expect(manifest.capabilities == ManifestCapabilities(canClone: false, streaming: true))
        #expect(manifest.description == "Piper VITS voice en_US-joe-medium (espeak-ng phonemes)")
        #expect(manifest.files == ["model": "model.onnx", "tokens": "tokens.txt", "config": "piper.json", "card": "MODEL_CARD"])
        #expect(manifest.options["espeakVoice"] == "en-us")
        #expect(manifest.options["noiseScale"].flatMap(Double.init) == 0.667)
        #expect(manifest.options["noiseScaleW"].flatMap(Double.init) == 0.8)
        #expect(manifest.options["lengthScale"].flatMap(Double.init) == 1.0)
        #expect(manifest.options["sourceSHA256"]?.count == 64)
        #expect(manifest.options["importer"] == PiperVoiceImporter.formatVersion)
        for role in manifest.files.keys { _ = try model.fileURL(role) }
        #expect(try Data(contentsOf: model.fileURL("config")) == Data(contentsOf: PiperTestVoice.config))
        #expect(try Data(contentsOf: model.fileURL("card")) == Data(contentsOf: PiperTestVoice.folder.appendingPathComponent("MODEL_CARD")))
        // Only the model folder is left: no staging folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["en_US-joe-medium"])
        let scan = ModelStore(directory: dir).scan()
        #expect(scan.models.map(\.manifest.id) == ["en_US-joe-medium"])
        #expect(scan.problems.isEmpty)
    }

    @Test func sherpaOnnxLoadsTheImportedModel() throws {
        let (result, _) = try SharedImport.instance.get()
        let modelPath = try result.model.fileURL("model").path
        let tokensPath = try result.model.fileURL("tokens").path
        let tts = modelPath.withCString { model in
            tokensPath.withCString { tokens in
                "cpu".withCString { provider in
                    var config = SherpaOnnxOfflineTtsConfig()
                    config.model.vits.model = model
                    config.model.vits.tokens = tokens
                    config.model.vits.noise_scale = 0.667
                    config.model.vits.noise_scale_w = 0.8
                    config.model.vits.length_scale = 1
                    config.model.num_threads = 1
                    config.model.provider = provider
                    config.max_num_sentences = 1
                    return SherpaOnnxCreateOfflineTts(&config)
                }
            }
        }
        let handle = try #require(tts, "sherpa-onnx refused the imported model")
        defer { SherpaOnnxDestroyOfflineTts(handle) }
        #expect(SherpaOnnxOfflineTtsSampleRate(handle) == 22_050)
        #expect(SherpaOnnxOfflineTtsNumSpeakers(handle) == 1)
    }

    // MARK: - Re-import, replace, conflicts

    @Test func reimportOfTheSameSourceIsSkipped() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let store = ModelStore(directory: temp.url.appendingPathComponent("models"))
        let first = try PiperVoiceImporter().importVoice(onnx: PiperTestVoice.onnx, into: store, id: "joe")
        #expect(first.outcome == .imported)
        let modelFile = try first.model.fileURL("model")
        let before = try FileManager.default.attributesOfItem(atPath: modelFile.path)[.modificationDate] as? Date

        let second = try PiperVoiceImporter().importVoice(onnx: PiperTestVoice.onnx, config: PiperTestVoice.config, into: store, id: "joe")
        #expect(second.outcome == .alreadyImported)
        #expect(second.model == first.model)
        let after = try FileManager.default.attributesOfItem(atPath: modelFile.path)[.modificationDate] as? Date
        #expect(before == after)

        let forced = try PiperVoiceImporter().importVoice(onnx: PiperTestVoice.onnx, into: store, id: "joe", overwrite: true)
        #expect(forced.outcome == .replaced)
        #expect(forced.model.manifest == first.model.manifest)
        #expect(temp.contents("models") == ["joe"])
    }

    @Test func anotherSourceWithTheSameIDNeedsOverwrite() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let store = ModelStore(directory: temp.url.appendingPathComponent("models"))
        _ = try PiperVoiceImporter().importVoice(onnx: PiperTestVoice.onnx, into: store, id: "joe")

        var json = try PiperTestVoice.configJSON()
        var inference = try #require(json["inference"] as? [String: Any])
        inference["noise_scale"] = 0.5
        json["inference"] = inference
        let config = try temp.file("changed.onnx.json", JSONSerialization.data(withJSONObject: json))

        do {
            _ = try PiperVoiceImporter().importVoice(onnx: PiperTestVoice.onnx, config: config, into: store, id: "joe")
            Issue.record("expected a conflict")
        } catch let error as ModelError {
            #expect(error.code == "model.invalid_import")
            #expect(error.message.contains("already exists"))
            #expect(error.message.contains("--force"))
        }
        #expect(try store.model(id: "joe").manifest.options["noiseScale"] == "0.667")

        let replaced = try PiperVoiceImporter().importVoice(
            onnx: PiperTestVoice.onnx, config: config, into: store, id: "joe", overwrite: true)
        #expect(replaced.outcome == .replaced)
        #expect(try store.model(id: "joe").manifest.options["noiseScale"] == "0.5")
        #expect(temp.contents("models") == ["joe"])
    }

    // MARK: - Bad input

    /// Runs an import expected to fail and checks the error and that nothing was left behind.
    private func expectImportFails(
        onnx: URL, config: URL? = nil, id: String? = nil, in temp: TempFolder,
        code: String = "model.invalid_import", mentioning detail: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let store = ModelStore(directory: temp.url.appendingPathComponent("models"))
        do {
            _ = try PiperVoiceImporter().importVoice(onnx: onnx, config: config, into: store, id: id)
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch let error as ModelError {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.category == .invalidInput, sourceLocation: sourceLocation)
            #expect(error.message.contains(detail), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        #expect(temp.contents("models").isEmpty, "leftover: \(temp.contents("models"))", sourceLocation: sourceLocation)
    }

    @Test func nonONNXFilesAreRejected() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        var state: UInt64 = 42
        let random = Data(
            (0..<4_096).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            })
        let truncated = try Data(contentsOf: PiperTestVoice.onnx, options: .mappedIfSafe).prefix(100_000)
        let cases: [(String, Data, String)] = [
            ("random", random, "not an ONNX model"),
            ("text", Data("hello, I am not a voice\n".utf8), "not an ONNX model"),
            ("empty", Data(), "it is empty"),
            ("truncated", truncated, "runs past the end"),
        ]
        for (name, data, detail) in cases {
            let onnx = try temp.file("\(name).onnx", data)
            expectImportFails(onnx: onnx, config: PiperTestVoice.config, in: temp, mentioning: "\(name).onnx is not an ONNX model")
            expectImportFails(onnx: onnx, config: PiperTestVoice.config, in: temp, mentioning: detail)
        }
    }

    @Test func badConfigsAreRejected() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        var noMap = try PiperTestVoice.configJSON()
        noMap.removeValue(forKey: "phoneme_id_map")
        var textPhonemes = try PiperTestVoice.configJSON()
        textPhonemes["phoneme_type"] = "text"
        var noVoice = try PiperTestVoice.configJSON()
        noVoice.removeValue(forKey: "espeak")
        var badRate = try PiperTestVoice.configJSON()
        badRate["audio"] = ["sample_rate": "fast"]
        var emptyMap = try PiperTestVoice.configJSON()
        emptyMap["phoneme_id_map"] = [String: [Int]]()

        let cases: [(String, Data, String)] = [
            ("notjson", Data("this is { not JSON".utf8), "not valid JSON"),
            ("empty", Data(), "it is empty"),
            ("array", Data("[1, 2]".utf8), "wrong type"),
            ("nomap", try JSONSerialization.data(withJSONObject: noMap), "no phoneme_id_map"),
            ("emptymap", try JSONSerialization.data(withJSONObject: emptyMap), "phoneme_id_map is empty"),
            ("text", try JSONSerialization.data(withJSONObject: textPhonemes), "only espeak-phonemized Piper voices are supported"),
            ("novoice", try JSONSerialization.data(withJSONObject: noVoice), "espeak.voice is missing"),
            ("badrate", try JSONSerialization.data(withJSONObject: badRate), "audio.sample_rate has the wrong type"),
        ]
        for (name, data, detail) in cases {
            let config = try temp.file("\(name).json", data)
            expectImportFails(onnx: PiperTestVoice.onnx, config: config, in: temp, mentioning: detail)
        }
    }

    @Test func unsafeIDsAreRejectedBeforeReadingAnything() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        for id in ["../evil", "a/b", "..", "", "with space", String(repeating: "x", count: 101)] {
            expectImportFails(onnx: PiperTestVoice.onnx, id: id, in: temp, code: "model.invalid_id", mentioning: "is not a valid model id")
        }
        #expect(!FileManager.default.fileExists(atPath: temp.url.appendingPathComponent("evil").path))
    }

    @Test func missingFilesAreRejected() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        expectImportFails(
            onnx: temp.url.appendingPathComponent("absent.onnx"), config: PiperTestVoice.config, in: temp, mentioning: "does not exist")
        expectImportFails(onnx: temp.url, config: PiperTestVoice.config, in: temp, mentioning: "is a folder")
        // A real .onnx (linked, not copied) without its .onnx.json next to it.
        let lonely = temp.url.appendingPathComponent("lonely.onnx")
        try FileManager.default.createSymbolicLink(at: lonely, withDestinationURL: PiperTestVoice.onnx)
        expectImportFails(onnx: lonely, in: temp, mentioning: "lonely.onnx.json does not exist")
        expectImportFails(onnx: lonely, in: temp, mentioning: "pass its path as the second argument")
    }

    // MARK: - Pieces

    @Test func abandonedStagingFoldersAreRemovedFreshOnesKept() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let fm = FileManager.default
        let old = temp.url.appendingPathComponent(".import-joe-OLD", isDirectory: true)
        let fresh = temp.url.appendingPathComponent(".import-joe-FRESH", isDirectory: true)
        let model = temp.url.appendingPathComponent("some-model", isDirectory: true)
        for folder in [old, fresh, model] {
            try fm.createDirectory(at: folder.appendingPathComponent("joe"), withIntermediateDirectories: true)
        }
        let longAgo = Date(timeIntervalSinceNow: -2 * PiperVoiceImporter.staleStagingAge)
        try fm.setAttributes([.modificationDate: longAgo], ofItemAtPath: old.path)
        try fm.setAttributes([.modificationDate: longAgo], ofItemAtPath: model.path)
        PiperVoiceImporter.removeStaleStagingFolders(in: temp.url)
        #expect(temp.contents("") == [".import-joe-FRESH", "some-model"])
    }

    @Test func tokensSkipWhatSherpaCannotRead() {
        let built = PiperTokens.build(from: [
            "_": [0], " ": [3], "\n": [4], "\t": [5], "ab": [6], "ɐ": [7, 8], "ˈ": [9], "x": [],
        ])
        #expect(built.text == "_ 0\n  3\nɐ 7\nˈ 9\n")
        #expect(built.count == 4)
        #expect(built.skipped == ["'U+0009'", "'U+000A'", "'ab'", "'x'"])
    }

    @Test func licenceComesFromTheFirstLicenceLine() {
        let card = "# Model card\n\n* Language: en\n\n## Dataset\n\n* License: CC BY 4.0\n* Licence: other\n"
        #expect(PiperVoiceImporter.licence(inModelCard: Data(card.utf8)) == "CC BY 4.0")
        #expect(PiperVoiceImporter.licence(inModelCard: Data("License: MIT".utf8)) == "MIT")
        #expect(PiperVoiceImporter.licence(inModelCard: Data("**Licence**: Apache-2.0".utf8)) == "Apache-2.0")
        #expect(PiperVoiceImporter.licence(inModelCard: Data("no licence information here".utf8)) == nil)
        #expect(PiperVoiceImporter.licence(inModelCard: Data()) == nil)
    }

    @Test func languageComesFromCodeOrEspeakVoice() throws {
        var json = try PiperTestVoice.configJSON()
        json.removeValue(forKey: "language")
        json["espeak"] = ["voice": "en-gb-x-rp"]
        let british = try PiperVoiceConfig.parse(JSONSerialization.data(withJSONObject: json), source: "t")
        #expect(british.languageTag == "en-GB")
        #expect(british.languageName == "English")
        json["espeak"] = ["voice": "de"]
        let german = try PiperVoiceConfig.parse(JSONSerialization.data(withJSONObject: json), source: "t")
        #expect(german.languageTag == "de")
        #expect(PiperVoiceImporter.sherpaMetadata(for: german)["voice"] == "de")
        #expect(!german.languageName.isEmpty)
    }

    private static func joeConfig() throws -> PiperVoiceConfig {
        try PiperVoiceConfig.parse(Data(contentsOf: PiperTestVoice.config), source: "joe")
    }
}
