import Foundation
import Testing

@testable import GLMTTSEngine

/// A snapshot is a private copy (a one-request process reads the installed files); snapshot
/// folders a crashed process left behind are removed, others are not.
struct PiperModelSnapshotTests {
    @Test func aSnapshotIsAPrivateCopyUnlessTheProcessServesOneRequest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("model.onnx")
        let tokens = directory.appendingPathComponent("tokens.txt")
        try Data("weights".utf8).write(to: model)
        try Data("a 1\n".utf8).write(to: tokens)
        var copy: PiperModelSnapshot? = try PiperModelSnapshot(voice: "test", model: model, tokens: tokens)
        let copied = try #require(copy?.model)
        let bytes = try Data(contentsOf: copied)
        #expect(copied != model && bytes == Data("weights".utf8))
        copy = nil
        #expect(!FileManager.default.fileExists(atPath: copied.deletingLastPathComponent().path), "the copy goes with the snapshot")
        let direct = try PiperModelSnapshot(voice: "test", model: model, tokens: tokens, copying: false)
        #expect(direct.model == model && direct.tokens == tokens)
    }

    @Test func leftoversOfProcessesThatNoLongerRunAreRemoved() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let names = [
            "\(PiperModelSnapshot.prefix)\(ended.processIdentifier)-crashed",
            "\(PiperModelSnapshot.prefix)\(getpid())-running",
            "\(PiperModelSnapshot.prefix)not-a-pid",
            "someone-elses-folder",
        ]
        for name in names {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: false)
        }
        #expect(PiperModelSnapshot.removeLeftovers(in: directory) == 1)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == names.dropFirst().sorted())
    }
}
