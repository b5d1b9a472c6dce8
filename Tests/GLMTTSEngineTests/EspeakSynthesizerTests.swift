import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

@Suite(.serialized) struct EspeakSynthesizerTests {
    @Test func speaksMandarin() async throws {
        let engine = try await EspeakSynthesizer.load(TestEnvironment.model("espeak-cmn"))
        #expect(engine.capabilities.canClone == false)
        #expect(engine.capabilities.honouredParameters == [.speed])
        let result = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "你好，世界。今天天气很好！"))
        #expect(result.chunks.count == 2)
        #expect(result.audio.duration > 1)
        #expect(result.audio.rms > 0.01)
        #expect(result.summary?.parameterReport.ignored[.temperature]?.contains("formant") == true)
    }

    @Test func speedIsBoundedHonestly() throws {
        #expect(EspeakSynthesizer.rate(forSpeed: 1).wordsPerMinute == 175)
        #expect(EspeakSynthesizer.rate(forSpeed: 1).bounded == false)
        #expect(EspeakSynthesizer.rate(forSpeed: 0.25) == (80, true))
        #expect(EspeakSynthesizer.rate(forSpeed: 4) == (450, true))
        let report = EspeakSynthesizer.report(for: try SynthesisParameters(speed: 4))
        #expect(report.applied[.speed]?.contains("limit") == true)
    }

    @Test func fasterSpeedIsShorter() async throws {
        let engine = try await EspeakSynthesizer.load(TestEnvironment.model("espeak-en-us"))
        let text = "This is a sentence spoken by espeak at two rates."
        let normal = try await CollectedSynthesis.run(engine, SynthesisRequest(text: text)).audio.duration
        let fast = try await CollectedSynthesis.run(engine, SynthesisRequest(text: text, parameters: try SynthesisParameters(speed: 2)))
            .audio.duration
        #expect(fast < normal * 0.75)
    }

    @Test func unknownVoiceFailsToLoad() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("espeak-bad-\(UUID().uuidString)")
        let manifest = ModelManifest(
            id: "espeak-bad", engine: .espeak, description: "bad", sampleRate: 22050,
            languages: ["xx"], files: [:], options: ["voice": "no-such-voice"], licence: "GPL",
            capabilities: ManifestCapabilities(canClone: false, streaming: true))
        await #expect(throws: EspeakError.unknownVoice("no-such-voice")) {
            _ = try await EspeakSynthesizer.load(InstalledModel(manifest: manifest, directory: folder))
        }
    }

    @Test func nonFiniteSpeedIsRejectedNotATrap() async throws {
        let engine = try await EspeakSynthesizer.load(TestEnvironment.model("espeak-en-us"))
        for speed in [Double.nan, .infinity, -.infinity] {
            await #expect(throws: ParameterError.self) {
                _ = try await CollectedSynthesis.run(
                    engine, SynthesisRequest(text: "Hi.", parameters: try SynthesisParameters(speed: speed)))
            }
        }
        #expect(EspeakSynthesizer.rate(forSpeed: .nan).bounded)
    }
}
