import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// What can be tested of the ZipVoice / Pocket-TTS engine without their weights (none can
/// be obtained here): manifests and options, the pre-flight checks, sherpa-onnx's refusal
/// of unusable files, parameter mapping and reports, and refusals (the ZipVoice tokenizer has its own suite).
@Suite struct ZeroShotSynthesizerTests {
    static let zipvoiceFiles = [
        "tokens": "tokens.txt", "encoder": "encoder.int8.onnx",
        "decoder": "decoder.int8.onnx", "vocoder": "vocos_24khz.onnx",
    ]
    static let pocketFiles = [
        "lmFlow": "lm_flow.int8.onnx", "lmMain": "lm_main.int8.onnx", "encoder": "encoder.onnx",
        "decoder": "decoder.int8.onnx", "textConditioner": "text_conditioner.onnx",
        "vocab": "vocab.json", "tokenScores": "token_scores.json",
    ]

    /// A model folder whose files hold `content(name)` (nil: the file is not written).
    static func folder(
        files: [String: String], engine: EngineKind, options: [String: String] = [:],
        content: (String) -> Data? = { _ in randomBytes(4_096) }
    ) throws -> InstalledModel {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in Set(files.values) {
            if let data = content(name) { try data.write(to: directory.appendingPathComponent(name)) }
        }
        let manifest = ModelManifest(
            id: "zs", engine: engine, description: "test", sampleRate: 24_000, languages: ["en"],
            files: files, options: options, licence: "test",
            capabilities: ManifestCapabilities(canClone: true, streaming: false))
        return InstalledModel(manifest: manifest, directory: directory)
    }

    static func randomBytes(_ count: Int) -> Data {
        var generator = SplitMix64(seed: 0x5EED_2E80)
        return Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }

    /// The smallest byte string our ONNX reader accepts (ir_version 7, a graph named "g"),
    /// with `metadata` added. Only the pre-flight reads it; it never reaches sherpa-onnx.
    static func tinyONNX(_ metadata: [String: String] = [:]) throws -> Data {
        try OnnxModelMetadata.withMetadata(Data([0x08, 0x07, 0x3A, 0x03, 0x12, 0x01, 0x67]), setting: metadata)
    }

    static func remove(_ model: InstalledModel) { try? FileManager.default.removeItem(at: model.directory) }

    // MARK: manifest

    @Test func aMissingRoleIsNamed() throws {
        var files = Self.zipvoiceFiles
        files["vocoder"] = nil
        let model = try Self.folder(files: files, engine: .zipvoice)
        defer { Self.remove(model) }
        #expect(throws: ModelError.missingFile(model: "zs", file: "vocoder")) {
            _ = try ZeroShotModelConfiguration(model: model, defaultThreads: 1)
        }
        var pocket = Self.pocketFiles
        pocket["tokenScores"] = nil
        let pocketModel = try Self.folder(files: pocket, engine: .pocket)
        defer { Self.remove(pocketModel) }
        #expect(throws: ModelError.missingFile(model: "zs", file: "tokenScores")) {
            _ = try ZeroShotModelConfiguration(model: pocketModel, defaultThreads: 1)
        }
    }

    @Test func anAbsentFileIsNamed() async throws {
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice) { $0 == "decoder.int8.onnx" ? nil : Data("x".utf8) }
        defer { Self.remove(model) }
        #expect(throws: ModelError.missingFile(model: "zs", file: "decoder.int8.onnx")) {
            _ = try ZeroShotModelConfiguration(model: model, defaultThreads: 1)
        }
        await #expect(throws: ModelError.missingFile(model: "zs", file: "decoder.int8.onnx")) {
            _ = try await ZeroShotSynthesizer.load(model)
        }
        let error = ModelError.missingFile(model: "zs", file: "decoder.int8.onnx")
        #expect(error.message.contains("decoder.int8.onnx"))
        #expect(error.code == "model.missing_file")
    }

    @Test func aLexiconIsOptionalButMustExistWhenNamed() throws {
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice)
        defer { Self.remove(model) }
        #expect(try ZeroShotModelConfiguration(model: model, defaultThreads: 1).files["lexicon"] == nil)
        var named = model
        named.manifest.files["lexicon"] = "lexicon.txt"
        #expect(throws: ModelError.missingFile(model: "zs", file: "lexicon.txt")) {
            _ = try ZeroShotModelConfiguration(model: named, defaultThreads: 1)
        }
        try Data("你 n0 i3\n".utf8).write(to: model.directory.appendingPathComponent("lexicon.txt"))
        let configuration = try ZeroShotModelConfiguration(model: named, defaultThreads: 1)
        #expect(configuration.files["lexicon"]?.lastPathComponent == "lexicon.txt")
    }

    @Test func otherEnginesAreRefused() async throws {
        for engine in EngineKind.allCases where ZeroShotFamily(engine: engine) == nil {
            let model = try Self.folder(files: Self.zipvoiceFiles, engine: engine)
            defer { Self.remove(model) }
            #expect(throws: ModelError.self) { _ = try ZeroShotModelConfiguration(model: model, defaultThreads: 1) }
            await #expect(throws: ModelError.self) { _ = try await ZeroShotSynthesizer.load(model) }
        }
        for family in ZeroShotFamily.allCases { #expect(ZeroShotFamily(engine: family.engine) == family) }
    }

    @Test func pathsMayNotEscapeTheModelFolder() throws {
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice)
        defer { Self.remove(model) }
        for name in ["../../etc/passwd", "/etc/passwd", ""] {
            var escaping = model
            escaping.manifest.files["encoder"] = name
            #expect(throws: ModelError.self) { _ = try ZeroShotModelConfiguration(model: escaping, defaultThreads: 1) }
        }
    }

    @Test func optionsHaveDocumentedDefaults() throws {
        let zipvoice = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice)
        defer { Self.remove(zipvoice) }
        let distill = try ZeroShotModelConfiguration(model: zipvoice, defaultThreads: 3)
        #expect(distill.numThreads == 3)
        #expect(distill.provider == "cpu")
        #expect(distill.steps == .zipvoiceDistill)
        #expect(distill.guidanceScale == 3.0)
        #expect(distill.featScale == 0.1 && distill.tShift == 0.5 && distill.targetRMS == 0.1)
        #expect(distill.espeakVoice == "en-us")

        var full = zipvoice
        full.manifest.options = [
            "variant": "full", "numThreads": "2", "guidanceScale": "1.5", "stepsQuality": "40",
            "tShift": "0", "espeakVoice": "en-gb",
        ]
        let fullConfiguration = try ZeroShotModelConfiguration(model: full, defaultThreads: 3)
        #expect(fullConfiguration.numThreads == 2)
        #expect(fullConfiguration.guidanceScale == 1.5)
        #expect(fullConfiguration.steps == ZeroShotStepSchedule(fast: 8, balanced: 16, quality: 40))
        #expect(fullConfiguration.tShift == 0)
        #expect(fullConfiguration.espeakVoice == "en-gb")

        let pocketModel = try Self.folder(files: Self.pocketFiles, engine: .pocket)
        defer { Self.remove(pocketModel) }
        let pocket = try ZeroShotModelConfiguration(model: pocketModel, defaultThreads: 0)
        #expect(pocket.numThreads == 1)
        #expect(pocket.steps == .pocket)
        #expect(pocket.voiceEmbeddingCacheCapacity == 16)
        #expect(pocket.maxReferenceSeconds == ReferencePreparer.maxWindow)
    }

    @Test func badOptionsAreRefusedByName() throws {
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice)
        defer { Self.remove(model) }
        let bad: [(String, String)] = [
            ("numThreads", "many"), ("numThreads", "0"), ("guidanceScale", "-1"),
            ("guidanceScale", "nan"), ("featScale", "0"), ("tShift", "-0.1"),
            ("stepsFast", "0"), ("stepsBalanced", "1000"), ("variant", "turbo"),
            ("provider", "  "), ("targetRMS", "inf"),
        ]
        for (key, value) in bad {
            var configured = model
            configured.manifest.options = [key: value]
            do {
                _ = try ZeroShotModelConfiguration(model: configured, defaultThreads: 1)
                Issue.record("\(key) = \(value) was accepted")
            } catch let error as ModelError {
                guard case let .invalidManifest(_, reason) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(reason.contains(key), "\(reason)")
            }
        }
    }

    // MARK: loading files that are not the model

    @Test func randomBytesAreRefusedBeforeSherpaOnnx() async throws {
        for (files, engine) in [(Self.zipvoiceFiles, EngineKind.zipvoice), (Self.pocketFiles, .pocket)] {
            let model = try Self.folder(files: files, engine: engine)
            defer { Self.remove(model) }
            do {
                _ = try await ZeroShotSynthesizer.load(model, threads: 1)
                Issue.record("garbage \(engine) files loaded")
            } catch let error as ModelError {
                guard case let .loadFailed(_, reason) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(reason.contains("not a usable ONNX model"), "\(reason)")
            }
        }
    }

    /// sherpa-onnx 2.0.1 catches its own ONNX Runtime errors and returns NULL for files
    /// that are not ONNX models; this calls it directly, past the pre-flight.
    @Test func sherpaOnnxReturnsNullForGarbageWithoutCrashing() throws {
        for (files, engine) in [(Self.zipvoiceFiles, EngineKind.zipvoice), (Self.pocketFiles, .pocket)] {
            let model = try Self.folder(files: files, engine: engine)
            defer { Self.remove(model) }
            let configuration = try ZeroShotModelConfiguration(model: model, defaultThreads: 1)
            #expect(throws: ModelError.self) { _ = try ZeroShotSynthesizer.makeNative(configuration) }
        }
    }

    @Test func aVocoderWithoutModelTypeIsRefused() throws {
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice) { _ in try? Self.tinyONNX() }
        defer { Self.remove(model) }
        let configuration = try ZeroShotModelConfiguration(model: model, defaultThreads: 1)
        do {
            try configuration.preflight()
            Issue.record("a vocoder without model_type passed")
        } catch let error as ModelError {
            guard case let .loadFailed(_, reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason.contains("no model_type") && reason.contains("vocos_24khz.onnx"), "\(reason)")
        }
    }

    @Test func vocoderAndModelSampleRatesMustMatch() throws {
        let mismatched = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice) { name in
            name == "vocos_24khz.onnx" ? try? Self.tinyONNX(["model_type": "vocos", "sample_rate": "22050"]) : try? Self.tinyONNX()
        }
        defer { Self.remove(mismatched) }
        do {
            try ZeroShotModelConfiguration(model: mismatched, defaultThreads: 1).preflight()
            Issue.record("a 22 050 Hz vocoder passed for a 24 kHz model")
        } catch let error as ModelError {
            guard case let .loadFailed(_, reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason.contains("22050 Hz") && reason.contains("24000 Hz"), "\(reason)")
        }
        let matched = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice) { name in
            name == "vocos_24khz.onnx" ? try? Self.tinyONNX(["model_type": "vocos", "sample_rate": "24000"]) : try? Self.tinyONNX()
        }
        defer { Self.remove(matched) }
        try ZeroShotModelConfiguration(model: matched, defaultThreads: 1).preflight()
    }

    // MARK: parameters

    @Test func strategiesMapToSteps() throws {
        #expect(ZeroShotStepSchedule.zipvoiceDistill.steps(for: .fast) == 4)
        #expect(ZeroShotStepSchedule.zipvoiceDistill.steps(for: .balanced) == 8)
        #expect(ZeroShotStepSchedule.zipvoiceDistill.steps(for: .quality) == 16)
        #expect(ZeroShotStepSchedule.zipvoiceFull.steps(for: .balanced) == 16)
        #expect(ZeroShotStepSchedule.pocket.steps(for: .fast) == 1)
        #expect(ZeroShotStepSchedule.pocket.steps(for: .balanced) == 5)
        #expect(ZeroShotStepSchedule.pocket.steps(for: .quality) == 10)
        for strategy in SamplingStrategy.allCases {
            let settings = ZeroShotGenerationSettings.make(
                family: .zipvoice, steps: .zipvoiceDistill, parameters: try SynthesisParameters(samplingStrategy: strategy),
                seed: 1, maxReferenceSeconds: 15)
            #expect(settings.numSteps == ZeroShotStepSchedule.zipvoiceDistill.steps(for: strategy))
        }
    }

    @Test func zipvoiceSettingsCarrySpeedAndNoSeed() throws {
        let settings = ZeroShotGenerationSettings.make(
            family: .zipvoice, steps: .zipvoiceDistill,
            parameters: try SynthesisParameters(temperature: 1.2, samplingStrategy: .quality, seed: 9, speed: 1.5),
            seed: 9, maxReferenceSeconds: 15)
        #expect(settings == ZeroShotGenerationSettings(numSteps: 16, speed: 1.5, modelSeed: nil, extra: [:]))
        #expect(settings.extraJSON == "{}")
    }

    @Test func pocketExtraIsValidJSONWithTheModelsKeys() throws {
        let settings = ZeroShotGenerationSettings.make(
            family: .pocket, steps: .pocket, parameters: try SynthesisParameters(temperature: 0.6, seed: 42, speed: 2),
            seed: 42, maxReferenceSeconds: 12.5)
        #expect(settings.numSteps == 5)
        #expect(settings.speed == 1)
        #expect(settings.modelSeed == 42)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(settings.extraJSON.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["temperature", "seed", "max_reference_audio_len"])
        #expect(object["temperature"] as? Double == 0.6)
        #expect(object["seed"] as? Int == 42)
        #expect(object["max_reference_audio_len"] as? Double == 12.5)
        #expect(settings.extraJSON.contains("\"seed\":42"), "an integral seed must be written without a fraction: \(settings.extraJSON)")
    }

    @Test func seedsAreFoldedIntoSherpasRange() {
        #expect(ZeroShotGenerationSettings.modelSeed(for: 0) == 0)
        #expect(ZeroShotGenerationSettings.modelSeed(for: UInt64(Int32.max)) == Int32.max)
        #expect(ZeroShotGenerationSettings.modelSeed(for: UInt64(Int32.max) + 1) == 0)
        #expect(ZeroShotGenerationSettings.modelSeed(for: UInt64.max) == Int32.max)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<1_000 { #expect(ZeroShotGenerationSettings.modelSeed(for: generator.next()) >= 0) }
    }

    @Test func reportsCoverEveryParameterExactlyOnce() {
        for family in ZeroShotFamily.allCases {
            let steps: ZeroShotStepSchedule = family == .pocket ? .pocket : .zipvoiceDistill
            for drawn in [false, true] {
                let report = ZeroShotGenerationSettings.parameterReport(
                    family: family, steps: steps, parameters: SynthesisParameters(), seed: 5, seedWasDrawn: drawn)
                #expect(Set(report.applied.keys).union(report.ignored.keys) == Set(SynthesisParameter.allCases), "\(family)")
                #expect(Set(report.applied.keys).isDisjoint(with: report.ignored.keys), "\(family)")
                #expect(Set(report.applied.keys) == family.honouredParameters, "\(family)")
                #expect(report.ignored.values.allSatisfy { !$0.isEmpty })
            }
        }
    }

    @Test func reportsSayHowEachParameterWasUsed() throws {
        let parameters = try SynthesisParameters(temperature: 0.9, samplingStrategy: .fast, seed: nil, speed: 1.25)
        let zipvoice = ZeroShotGenerationSettings.parameterReport(
            family: .zipvoice, steps: .zipvoiceDistill, parameters: parameters, seed: 77, seedWasDrawn: true)
        #expect(zipvoice.applied[.samplingStrategy]?.contains("4 flow-matching steps") == true)
        #expect(zipvoice.applied[.speed]?.contains("1.25") == true)
        #expect(zipvoice.ignored[.seed]?.contains("unseeded") == true)
        #expect(zipvoice.ignored[.topP]?.contains("flow-matching model") == true)
        #expect(zipvoice.ignored[.topK]?.contains("no token sampling") == true)

        let pocket = ZeroShotGenerationSettings.parameterReport(
            family: .pocket, steps: .pocket, parameters: parameters, seed: 77, seedWasDrawn: true)
        #expect(pocket.applied[.samplingStrategy]?.contains("1 LSD flow steps") == true)
        #expect(pocket.applied[.temperature]?.contains("0.9") == true)
        #expect(pocket.applied[.seed]?.contains("77") == true)
        #expect(pocket.applied[.seed]?.contains("drawn at random") == true)
        #expect(pocket.ignored[.speed] != nil)

        let large = UInt64(Int32.max) + 10
        let folded = ZeroShotGenerationSettings.parameterReport(
            family: .pocket, steps: .pocket, parameters: try SynthesisParameters(seed: large), seed: large, seedWasDrawn: false)
        #expect(folded.applied[.seed] == "seed \(large), passed to the model as 9")
    }

    // MARK: requests

    @Test func requestsWithoutAReferenceAreRefused() {
        let clip = AudioBuffer(samples: [Float](repeating: 0.1, count: 24_000), sampleRate: 24_000)
        let cases: [(SynthesisRequest, ZeroShotFamily, String)] = [
            (SynthesisRequest(text: "Hi."), .zipvoice, "reference clip"),
            (SynthesisRequest(text: "Hi."), .pocket, "reference clip"),
            (
                SynthesisRequest(text: "Hi.", referenceAudio: AudioBuffer(samples: [], sampleRate: 24_000), referenceText: "x"),
                .pocket, "reference clip"
            ),
            (SynthesisRequest(text: "Hi.", referenceAudio: clip), .zipvoice, "transcript"),
            (SynthesisRequest(text: "Hi.", referenceAudio: clip, referenceText: "  \n"), .zipvoice, "transcript"),
        ]
        for (request, family, what) in cases {
            do {
                _ = try ZeroShotSynthesizer.checkedReference(request, family: family, engine: "zs")
                Issue.record("\(family) accepted a request without \(what)")
            } catch let error as EngineError {
                guard case let .referenceRequired(engine, detail) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(engine == "zs" && detail.contains(what), "\(detail)")
                #expect(error.code == "engine.reference_required")
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        let pocket = try? ZeroShotSynthesizer.checkedReference(
            SynthesisRequest(text: "Hi.", referenceAudio: clip), family: .pocket, engine: "zs")
        #expect(pocket?.text == "")
        let zipvoice = try? ZeroShotSynthesizer.checkedReference(
            SynthesisRequest(text: "Hi.", referenceAudio: clip, referenceText: " Hello there. "), family: .zipvoice, engine: "zs")
        #expect(zipvoice?.text == "Hello there.")
    }
}
