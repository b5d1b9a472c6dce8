import Foundation
import GLMTTSEngine
import Logging

@testable import GLMTTSServer

/// Opens real `ServerDependencies` over a temporary data directory (SQLite file and all)
/// that uses the test models, and removes it afterwards.
enum ServerTestHarness {
    /// The test models prepared by scripts/test (data/test/models).
    static var modelsDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["GLMTTS_DATA_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir).appendingPathComponent("models")
        }
        return OpenAPIContractTests.root.appendingPathComponent("data/test/models")
    }

    static func configuration(_ root: URL) -> ServerConfiguration {
        var configuration = ServerConfiguration(dataDirectory: DataDirectory(root: root, models: modelsDirectory))
        configuration.port = 0
        return configuration
    }

    static func withDependencies<T>(
        _ adjust: (inout ServerConfiguration) -> Void = { _ in },
        _ body: (ServerDependencies) async throws -> T
    ) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-server-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var configuration = configuration(root)
        adjust(&configuration)
        let dependencies = try await ServerDependencies.open(configuration: configuration, logger: Logger(label: "test"))
        try await dependencies.scheduler.start()
        func stop() async {
            await dependencies.scheduler.shutdown(gracePeriod: .seconds(5))
            await dependencies.engines.reload()
            await dependencies.close()
        }
        do {
            let value = try await body(dependencies)
            await stop()
            return value
        } catch {
            await stop()
            throw error
        }
    }
}
