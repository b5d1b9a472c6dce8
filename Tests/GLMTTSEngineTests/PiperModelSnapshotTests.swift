import Foundation
import Testing

@testable import GLMTTSEngine

/// Snapshot folders a crashed process left behind are removed; others are not.
struct PiperModelSnapshotTests {
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
