import Foundation
import Testing

@testable import GLMTTSEngine

/// How a `glmtts` manifest becomes the worker's command line.
@Suite struct GLMTTSWorkerConfigurationTests {
    static func model(options: [String: String]) -> InstalledModel {
        InstalledModel(
            manifest: ModelManifest(
                id: "glm-tts", engine: .glmtts, description: "GLM-TTS", sampleRate: 24_000, languages: ["zh", "en"], files: [:],
                options: options, licence: "test", capabilities: ManifestCapabilities(canClone: true, streaming: true)),
            directory: URL(fileURLWithPath: "/data/models/glm-tts"))
    }

    @Test func aRelativeCheckpointLiesInTheModelFolderAndAnAbsoluteOneIsKept() throws {
        let root = URL(fileURLWithPath: "/opt/glmtts")
        let pulled = try WorkerSynthesizer.configuration(
            for: Self.model(options: ["repo": "/opt/GLM-TTS", "ckpt": "ckpt"]), projectRoot: root)
        #expect(pulled.arguments.contains("/data/models/glm-tts/ckpt"))
        let byHand = try WorkerSynthesizer.configuration(
            for: Self.model(options: ["repo": "/opt/GLM-TTS", "ckpt": "/srv/ckpt"]), projectRoot: root)
        #expect(byHand.arguments.contains("/srv/ckpt"))
        #expect(throws: ModelError.self) { try WorkerSynthesizer.configuration(for: Self.model(options: [:]), projectRoot: root) }
    }
}
