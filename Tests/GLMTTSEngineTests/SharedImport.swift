import CSherpaOnnx
import Foundation
import Synchronization
import Testing

@testable import GLMTTSEngine

/// One import of the voice, shared by the read-only tests (an import costs a few seconds)
/// and removed by `SharedImport.Cleanup` when the suite ends.
final class SharedImport: Sendable {
    static let instance = SharedImport()

    /// The import, made on first use; the lock is held while importing so it runs once.
    private let state = Mutex<(result: Result<PiperImportResult, any Error>, directory: URL)?>(nil)

    func get() throws -> (PiperImportResult, URL) {
        let (result, directory) = state.withLock { state in
            if let state { return state }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "importer-shared-\(UUID().uuidString)", isDirectory: true)
            let made = (
                result: Result { try PiperVoiceImporter().importVoice(onnx: PiperTestVoice.onnx, into: ModelStore(directory: dir)) },
                directory: dir
            )
            state = made
            return made
        }
        return (try result.get(), directory)
    }

    func remove() {
        state.withLock { state in
            if let directory = state?.directory { try? FileManager.default.removeItem(at: directory) }
            state = nil
        }
    }

    /// Suite trait that deletes the shared import after the suite's tests ran.
    struct Cleanup: SuiteTrait, TestScoping {
        var isRecursive: Bool { false }

        func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
            defer { SharedImport.instance.remove() }
            try await function()
        }
    }
}
