import Foundation
import GLMTTSEngine
import MCP
import Testing

@testable import GLMTTSServer

/// What the MCP server accepts from a client, on its own: file names for the MCP folder,
/// tool arguments and stdio lines. The server is tested with the official `mcp` client in
/// Tests/python/test_mcp.py.
@Suite struct MCPInputTests {
    @Test func onlyPlainRelativeNamesReachTheFolder() {
        for name in ["clip.wav", "calls/monday.mp3", "会议 录音.wav", "a-b_c.1.flac"] {
            #expect(MCPFileFolder.isPlainRelativeName(name), "\(name)")
        }
        for name in [
            "", "/etc/passwd", "../x.wav", "a/../b.wav", "a//b.wav", ".env", "a/.git/config", "a/", "x\u{0}.wav", "a\\b.wav",
            "$(id).wav", String(repeating: "a", count: 256),
        ] {
            #expect(!MCPFileFolder.isPlainRelativeName(name), "\(name)")
        }
    }

    @Test func aLinkOutOfTheFolderAndNonFilesAreRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-folder-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("inside".utf8).write(to: folder.appendingPathComponent("sub/ok.wav"))
        try Data("secret".utf8).write(to: root.appendingPathComponent("secret.wav"))
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("out.wav"), withDestinationURL: root.appendingPathComponent("secret.wav"))
        let files = MCPFileFolder(root: folder, maxBytes: 1 << 20)
        #expect(try files.read("sub/ok.wav") == Data("inside".utf8))
        for name in ["out.wav", "sub", "../secret.wav"] {
            #expect(throws: HTTPProblem.self) { try files.read(name) }
            #expect((try? files.read(name)) == nil)
        }
        #expect(throws: HTTPProblem.self) { try MCPFileFolder(root: nil, maxBytes: 1).read("sub/ok.wav") }
        #expect(throws: HTTPProblem.self) { try MCPFileFolder(root: folder, maxBytes: 3).read("sub/ok.wav") }
    }

    @Test func argumentsAreTypedAndUnknownNamesRefused() throws {
        let arguments = try MCPArguments(["text": "hi", "speed": 1, "seed": .double(7)], for: .synthesize)
        #expect(try arguments.string("text") == "hi")
        #expect(try arguments.number("speed") == 1)
        #expect(try arguments.integer("seed") == 7)
        #expect(throws: HTTPProblem.self) { try MCPArguments(["text": "hi", "cmd": "id"], for: .synthesize) }
        let wrong = try MCPArguments(["text": 5, "speed": "fast", "seed": .double(1.5)], for: .synthesize)
        #expect(throws: HTTPProblem.self) { try wrong.string("text") }
        #expect(throws: HTTPProblem.self) { try wrong.number("speed") }
        #expect(throws: HTTPProblem.self) { try wrong.integer("seed") }
        let audio = try MCPArguments(["audio": .string(Data("RIFF".utf8).base64EncodedString())], for: .transcribe)
        #expect(try audio.bytes("audio", limit: 100) == Data("RIFF".utf8))
        #expect(throws: HTTPProblem.self) { try audio.bytes("audio", limit: 2) }
    }

    @Test func stdioLinesAreSplitAndOverLongOnesSkipped() throws {
        var pipe: [Int32] = [0, 0]
        #expect(Glibc.pipe(&pipe) == 0)
        let input = Data("{\"a\":1}\n\n  \n".utf8) + Data(repeating: 0x61, count: 100) + Data("\n{\"b\":2}\n{\"c\":3}".utf8)
        let writer = FileHandle(fileDescriptor: pipe[1], closeOnDealloc: true)
        try writer.write(contentsOf: input)
        try writer.close()
        var lines: [String] = []
        var skipped: [Int] = []
        StdioLineTransport.readLines(from: pipe[0], limit: 50, yield: { lines.append(String(decoding: $0, as: UTF8.self)) }) {
            skipped.append($0)
        }
        close(pipe[0])
        #expect(lines == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
        #expect(skipped == [100])
    }
}
