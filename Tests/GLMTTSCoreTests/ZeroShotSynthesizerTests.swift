import Foundation
import Testing
@testable import GLMTTSCore

/// What can be tested of the zero-shot engines without their weights (none can be
/// obtained here): manifests, parameter mapping, and refusals.
@Suite struct ZeroShotSynthesizerTests {
    static func folder(files: [String: String], engine: EngineKind, garbage: Bool = true) throws -> InstalledModel {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if garbage {
            for name in files.values { try Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: directory.appendingPathComponent(name)) }
        }
        let manifest = ModelManifest(id: "zs", engine: engine, description: "test", sampleRate: 24_000, languages: ["en"],
                                     files: files, licence: "test", capabilities: ManifestCapabilities(canClone: true, streaming: false))
        return InstalledModel(manifest: manifest, directory: directory)
    }

    static let zipvoiceFiles = ["tokens": "tokens.txt", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "vocoder": "vocos.onnx"]

    @Test func missingFilesAreNamed() async throws {
        var files = Self.zipvoiceFiles
        files["vocoder"] = nil
        let model = try Self.folder(files: files, engine: .zipvoice)
        defer { try? FileManager.default.removeItem(at: model.directory) }
        await #expect(throws: ModelError.missingFile(model: "zs", file: "vocoder")) { _ = try await ZeroShotSynthesizer.load(model) }
        let absent = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice, garbage: false)
        defer { try? FileManager.default.removeItem(at: absent.directory) }
        await #expect(throws: ModelError.self) { _ = try await ZeroShotSynthesizer.load(absent) }
    }

    @Test func wrongEngineIsRefused() async throws {
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .piper)
        defer { try? FileManager.default.removeItem(at: model.directory) }
        await #expect(throws: ModelError.self) { _ = try await ZeroShotSynthesizer.load(model) }
    }

    @Test func pathsMayNotEscapeTheModelFolder() async throws {
        var files = Self.zipvoiceFiles
        files["encoder"] = "../../etc/passwd"
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice)
        defer { try? FileManager.default.removeItem(at: model.directory) }
        var escaping = model
        escaping.manifest.files = files
        await #expect(throws: ModelError.self) { _ = try await ZeroShotSynthesizer.load(escaping) }
    }

    @Test func strategyMapsToSteps() {
        #expect(ZeroShotFamily.zipvoice.steps(for: .fast) == 4)
        #expect(ZeroShotFamily.zipvoice.steps(for: .balanced) == 8)
        #expect(ZeroShotFamily.zipvoice.steps(for: .quality) == 16)
    }

    @Test func reportsCoverEveryParameter() {
        for family in ZeroShotFamily.allCases {
            let report = family.report(for: SynthesisParameters(), seed: 1)
            #expect(Set(report.applied.keys).union(report.ignored.keys) == Set(SynthesisParameter.allCases), "\(family)")
            #expect(Set(report.applied.keys) == family.honouredParameters, "\(family)")
            #expect(Set(report.applied.keys).isDisjoint(with: report.ignored.keys))
        }
    }

    @Test func pocketExtraIsValidJSON() throws {
        let json = ZeroShotFamily.pocket.extraJSON(for: SynthesisParameters(temperature: 0.6), seed: 42)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["seed"] as? Int == 42)
        #expect(object["temperature"] as? Double == 0.6)
        #expect(object["max_reference_audio_len"] as? Double == ReferencePreparer.maxWindow)
        #expect(ZeroShotFamily.zipvoice.extraJSON(for: SynthesisParameters(), seed: 1) == "{}")
    }

    @Test func requiredRolesMatchTheDocumentedManifest() {
        #expect(ZeroShotFamily.zipvoice.requiredFiles == ["tokens", "encoder", "decoder", "vocoder"])
        #expect(ZeroShotFamily.pocket.requiredFiles.count == 7)
        #expect(ZeroShotFamily.zipvoice.needsReferenceText)
        #expect(!ZeroShotFamily.pocket.needsReferenceText)
    }
}

extension ZeroShotSynthesizerTests {
    @Test func garbageModelFilesFailWithATypedError() async throws {
        let model = try Self.folder(files: Self.zipvoiceFiles, engine: .zipvoice)
        defer { try? FileManager.default.removeItem(at: model.directory) }
        await #expect(throws: ModelError.self) { _ = try await ZeroShotSynthesizer.load(model) }
        let pocketFiles = ["lmFlow": "a.onnx", "lmMain": "b.onnx", "encoder": "c.onnx", "decoder": "d.onnx",
                           "textConditioner": "e.onnx", "vocab": "vocab.json", "tokenScores": "scores.json"]
        let pocket = try Self.folder(files: pocketFiles, engine: .pocket)
        defer { try? FileManager.default.removeItem(at: pocket.directory) }
        await #expect(throws: ModelError.self) { _ = try await ZeroShotSynthesizer.load(pocket) }
    }
}
