import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The GLM-TTS engine's Swift side against the fake worker (the real model needs an NVIDIA
/// GPU and weights that this machine does not have).
@Suite(.serialized) struct WorkerSynthesizerTests {
    static let manifest = ModelManifest(
        id: "glm-tts", engine: .glmtts, description: "GLM-TTS (fake worker)", sampleRate: 24_000, languages: ["zh", "en"],
        files: [:], options: ["repo": "/nonexistent/GLM-TTS"], licence: "Apache-2.0",
        capabilities: ManifestCapabilities(canClone: true, streaming: true))

    static func engine(_ mode: String) -> WorkerSynthesizer {
        var configuration = WorkerSupervisorTests.fake(mode).configuration
        configuration.name = "glmtts-fake"
        return WorkerSynthesizer(
            model: InstalledModel(manifest: manifest, directory: FileManager.default.temporaryDirectory),
            configuration: configuration)
    }

    static let reference = AudioFixtures.sine(seconds: 3, sampleRate: 24_000)

    @Test func streamsChunksAndReportsWhatTheWorkerApplied() async throws {
        let engine = Self.engine("normal")
        let result = try await CollectedSynthesis.run(
            engine,
            SynthesisRequest(
                text: "Hello.", referenceAudio: Self.reference, referenceText: "a reference",
                parameters: SynthesisParameters(temperature: 0.6, seed: 7)))
        #expect(result.chunks.count == 3)
        #expect(result.summary?.cloned == true)
        let report = try #require(result.summary?.parameterReport)
        #expect(report.applied[.temperature] == "0.6")
        #expect(report.applied[.seed] == "7")
        #expect(Set(report.applied.keys).union(report.ignored.keys) == Set(SynthesisParameter.allCases))
        #expect(engine.capabilities.canClone)
        await engine.shutdown()
    }

    @Test func needsAReferenceAndItsText() async throws {
        let engine = Self.engine("normal")
        await #expect(throws: EngineError.self) { _ = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "Hello.")) }
        await #expect(throws: EngineError.self) {
            _ = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "Hello.", referenceAudio: Self.reference))
        }
        await engine.shutdown()
    }

    @Test func aCrashIsARetryableErrorNotAHang() async throws {
        let engine = Self.engine("crash")
        do {
            _ = try await CollectedSynthesis.run(
                engine, SynthesisRequest(text: "Hello.", referenceAudio: Self.reference, referenceText: "ref"))
            Issue.record("expected a crash")
        } catch let error as WorkerError {
            #expect(error.isRetryable)
        }
        await engine.shutdown()
    }

    @Test func droppingTheStreamCancelsAndTheWorkerStaysUsable() async throws {
        let engine = Self.engine("slow")
        let request = SynthesisRequest(text: "Hello.", referenceAudio: Self.reference, referenceText: "ref")
        for try await event in engine.synthesize(request) {
            if case .chunk = event { break }  // dropping the stream cancels the request
        }
        let again = try await CollectedSynthesis.run(engine, request)
        #expect(again.chunks.count == 3)
        await engine.shutdown()
    }

    @Test func manifestWithoutRepoIsRefused() throws {
        var manifest = Self.manifest
        manifest.options = [:]
        #expect(throws: ModelError.self) {
            _ = try WorkerSynthesizer.configuration(
                for: InstalledModel(manifest: manifest, directory: FileManager.default.temporaryDirectory),
                projectRoot: TestEnvironment.packageRoot)
        }
    }

    @Test func realWorkerWithoutGLMTTSFailsToLoadWithAClearMessage() async throws {
        let model = InstalledModel(manifest: Self.manifest, directory: FileManager.default.temporaryDirectory)
        do {
            _ = try await WorkerSynthesizer.load(model, projectRoot: TestEnvironment.packageRoot)
            Issue.record("GLM-TTS cannot load on this machine")
        } catch let error as WorkerError {
            #expect(error.message.contains("GLM-TTS"), "\(error.message)")
        }
    }
}
