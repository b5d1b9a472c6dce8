import Foundation
import GLMTTSEngine
import Logging
@testable import GLMTTSServer

/// Opens a real `ServiceContext` over a temporary data directory (SQLite file and all)
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

    static func withContext<T>(_ adjust: (inout ServerConfiguration) -> Void = { _ in },
                               _ body: (ServiceContext) async throws -> T) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-server-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var configuration = configuration(root)
        adjust(&configuration)
        let context = try await ServiceContext(configuration: configuration, logger: Logger(label: "test"))
        do {
            let value = try await body(context)
            await context.shutdown(gracePeriod: .seconds(5))
            return value
        } catch {
            await context.shutdown(gracePeriod: .seconds(5))
            throw error
        }
    }
}
