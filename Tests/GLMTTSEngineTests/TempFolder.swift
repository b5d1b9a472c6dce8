import CSherpaOnnx
import Foundation
import Synchronization
import Testing

@testable import GLMTTSEngine

/// A fresh temporary folder, removed by `cleanUp()`.
struct TempFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("importer-\(UUID().uuidString)", isDirectory: true)

    init() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String, _ data: Data) throws -> URL {
        let file = url.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }

    /// Names in `sub` (empty when it does not exist).
    func contents(_ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent(sub).path)) ?? []).sorted()
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
