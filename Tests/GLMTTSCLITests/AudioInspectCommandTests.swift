import Foundation
import Testing

/// `glmtts audio inspect` on real files made by the real voice.
@Suite(.serialized) struct AudioInspectCommandTests {
    static func speechFile(_ format: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString).\(format)")
        let made = try CLI.run(["synth", "This is a reference clip for the inspect command, spoken clearly.", "-o", url.path, "--quiet"])
        #expect(made.status == 0, "\(made.stderr)")
        return url
    }

    @Test func printsAReport() throws {
        let file = try Self.speechFile("flac")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["audio", "inspect", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("duration"))
        #expect(result.stdout.contains("silero-vad"))
        #expect(result.stdout.contains("flac"))
    }

    @Test func printsJSON() throws {
        let file = try Self.speechFile("mp3")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["audio", "inspect", file.path, "--json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect((json["durationSeconds"] as? Double ?? 0) > 2)
        #expect((json["speechRatio"] as? Double ?? 0) > 0.5)
        #expect(json["warnings"] is [Any])
    }

    @Test func readsStandardInput() throws {
        let file = try Self.speechFile("wav")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["audio", "inspect", "-"], stdin: try Data(contentsOf: file))
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func badFilesGetClearErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("notes.wav"), empty = folder.appendingPathComponent("empty.wav")
        try Data("just some text, not audio".utf8).write(to: text)
        try Data().write(to: empty)
        for (path, status, message) in [(text.path, Int32(2), "not audio"), (empty.path, 2, "empty"),
                                        ("/nonexistent/clip.wav", 3, "Cannot read"), (folder.path, 3, "folder")] {
            let result = try CLI.run(["audio", "inspect", path])
            #expect(result.status == status, "\(path): \(result.stderr)")
            #expect(result.stderr.contains("error: "))
            #expect(result.stderr.localizedCaseInsensitiveContains(message), "\(path): \(result.stderr)")
        }
    }
}
