import Foundation
import GLMTTSAPI
import GLMTTSEngine
import HTTPTypes
import Logging
import OpenAPIRuntime
import Testing

@testable import GLMTTSServer

/// The committed generated code, the served document and the registered routes all match
/// `openapi/openapi.yaml`.
@Suite struct OpenAPIContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func generatedCodeIsFromTheCurrentSpec() throws {
        let spec = try Data(contentsOf: Self.root.appendingPathComponent("openapi/openapi.yaml"))
        let recorded = try String(contentsOf: Self.root.appendingPathComponent("Sources/GLMTTSAPI/openapi.sha256"), encoding: .utf8)
        #expect(
            SHA256.hex(of: spec) == recorded.trimmingCharacters(in: .whitespacesAndNewlines),
            "openapi/openapi.yaml changed: run scripts/generate-openapi and commit the result")
        #expect(
            OpenAPIDocument.yaml.trimmingCharacters(in: .whitespacesAndNewlines)
                == String(decoding: spec, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            "the served document differs from openapi/openapi.yaml: run scripts/generate-openapi")
    }

    @Test func everySpecOperationIsRoutedAndNothingElse() async throws {
        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]])
        var specified = Set<String>()
        for (path, item) in paths {
            for method in item.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                specified.insert("\(method.uppercased()) \(path)")
            }
        }
        let recorder = RouteRecorder()
        try await ServerTestHarness.withDependencies { dependencies in
            let reloader = ModelReloader(engines: dependencies.engines, logger: dependencies.logger)
            try APIHandler(
                dependencies: dependencies, reloader: reloader,
                pulls: ModelPullJobs(configuration: dependencies.configuration, reloader: reloader)
            )
            .registerHandlers(on: recorder)
        }
        #expect(recorder.routes == specified)
        #expect(specified.count >= 25)
    }
}

/// A transport that only records what is registered on it.
final class RouteRecorder: ServerTransport, @unchecked Sendable {
    private(set) var routes = Set<String>()

    func register(
        _ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method, path: String
    ) throws {
        routes.insert("\(method.rawValue) \(path)")
    }
}
