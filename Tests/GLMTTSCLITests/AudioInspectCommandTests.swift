import Foundation
import GLMTTSEngine
import Testing

/// `glmtts audio inspect` on real files made by the real voice.
@Suite(.serialized) struct AudioInspectCommandTests {
    static func speechFile(_ format: String) async throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString).\(format)")
        let made = try await CLI.run([
            "synth", "This is a reference clip for the inspect command, spoken clearly.", "-o", url.path, "--quiet",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return url
    }

    @Test func printsAReport() async throws {
        let file = try await Self.speechFile("flac")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await CLI.run(["audio", "inspect", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("duration"))
        #expect(result.stdout.contains("silero-vad"))
        #expect(result.stdout.contains("flac"))
    }

    @Test func printsJSON() async throws {
        let file = try await Self.speechFile("mp3")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await CLI.run(["audio", "inspect", file.path, "--json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect((json["durationSeconds"] as? Double ?? 0) > 2)
        #expect((json["speechRatio"] as? Double ?? 0) > 0.5)
        #expect(json["warnings"] is [Any])
    }

    @Test func readsStandardInput() async throws {
        let file = try await Self.speechFile("wav")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await CLI.run(["audio", "inspect", "-"], stdin: try Data(contentsOf: file))
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func badFilesGetClearErrors() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("notes.wav")
        let empty = folder.appendingPathComponent("empty.wav")
        try Data("just some text, not audio".utf8).write(to: text)
        try Data().write(to: empty)
        for (path, status, message) in [
            (text.path, Int32(2), "not audio"), (empty.path, 2, "empty"),
            ("/nonexistent/clip.wav", 3, "Cannot read"), (folder.path, 3, "folder"),
        ] {
            let result = try await CLI.run(["audio", "inspect", path])
            #expect(result.status == status, "\(path): \(result.stderr)")
            #expect(result.stderr.contains("error: "))
            #expect(result.stderr.localizedCaseInsensitiveContains(message), "\(path): \(result.stderr)")
        }
    }

    /// Writes `audio` as a WAV file in the temporary folder.
    static func wavFile(_ audio: AudioBuffer) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString).wav")
        try AudioEncoder.encode(audio, as: .wav).write(to: url)
        return url
    }

    @Test func silenceIsAReportNotAnError() async throws {
        let file = try Self.wavFile(AudioBuffer(samples: [Float](repeating: 0, count: 3 * 16_000), sampleRate: 16_000))
        defer { try? FileManager.default.removeItem(at: file) }
        let text = try await CLI.run(["audio", "inspect", file.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("No speech was found"))
        #expect(text.stdout.contains("used window   none"))
        let json = try await CLI.run(["audio", "inspect", "--json", file.path])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        let codes = (object["warnings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes == ["reference.no_speech"])
        #expect(object["snrDB"] == nil)
    }

    @Test func worksWithoutTheVADModel() async throws {
        let file = try await Self.speechFile("wav")
        let emptyModels = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: emptyModels, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: file)
            try? FileManager.default.removeItem(at: emptyModels)
        }
        let result = try await CLI.run(["audio", "inspect", file.path], environment: ["GLMTTS_MODELS_DIR": emptyModels.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("found by energy"))
        #expect(result.stdout.contains("reference.energy_detector"))
        #expect(result.stderr.contains("note: ") && result.stderr.contains("scripts/prepare-models"), "\(result.stderr)")
        let json = try await CLI.run(["audio", "inspect", file.path, "--json"], environment: ["GLMTTS_MODELS_DIR": emptyModels.path])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        #expect(object["detector"] as? String == "energy")
    }

    @Test func truncatedAndHeaderOnlyFilesGetClearErrors() async throws {
        let good = try await Self.speechFile("wav")
        defer { try? FileManager.default.removeItem(at: good) }
        let bytes = try Data(contentsOf: good)
        for (name, data) in [("header-only", bytes.prefix(44)), ("cut", bytes.prefix(30))] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(name)-\(UUID().uuidString).wav")
            try Data(data).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let result = try await CLI.run(["audio", "inspect", url.path])
            #expect(result.status == 2, "\(name): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "), "\(name): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
