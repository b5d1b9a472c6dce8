import Foundation
import GLMTTSEngine
import GLMTTSService
import GLMTTSTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import GLMTTSServer

/// The whole server as `buildApplication` makes it, over real `ServerDependencies` in a
/// temporary data directory with the test models, driven in process by Hummingbird's router
/// test client (`app.test(.router)`: no socket, no port).
///
/// The router framework runs the application's `beforeServerStarts` hooks (which start the
/// job scheduler) and its services in a `ServiceGroup` (the queue service stops the
/// scheduler at the end), so jobs run as they do in the server. Every request gets
/// `Host: localhost` and no peer address (the client address is `unknown`).
struct RouterTestApp: Sendable {
    /// Sends requests to the router.
    let client: any TestClientProtocol
    /// The stores, queue and engines behind the app.
    let dependencies: ServerDependencies
    /// Every line the server logged.
    let log: CapturedLog

    /// Builds the app over a fresh data directory (`adjust` changes the configuration),
    /// runs `body` against it, and removes everything afterwards.
    static func run(
        _ adjust: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (RouterTestApp) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-router-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var configuration = ServerTestHarness.configuration(root)
        adjust(&configuration)
        let log = CapturedLog()
        let logger = Logger(label: "glmtts-test") { _ in CapturedLogHandler(log: log) }
        let dependencies = try await ServerDependencies.open(configuration: configuration, logger: logger)
        do {
            let app = try buildApplication(configuration: configuration, dependencies: dependencies)
            try await app.test(.router) { client in
                try await body(RouterTestApp(client: client, dependencies: dependencies, log: log))
            }
        } catch {
            await Self.close(dependencies)
            throw error
        }
        await Self.close(dependencies)
    }

    private static func close(_ dependencies: ServerDependencies) async {
        await dependencies.engines.reload()
        await dependencies.close()
    }

    // MARK: Requests

    /// Sends one request.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse
    {
        try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }

    /// Sends `object` as a JSON body.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, json object: Any, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = try JSONSerialization.data(withJSONObject: object)
        return try await send(method, uri, headers: headers, body: ByteBuffer(bytes: data))
    }

    /// Sends a multipart form.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, form: MultipartTestForm, headers: HTTPFields = [:]) async throws -> TestResponse
    {
        var headers = headers
        headers[.contentType] = form.contentType
        return try await send(method, uri, headers: headers, body: ByteBuffer(bytes: form.body))
    }

    /// Headers with `Authorization: Bearer <token>`.
    static func bearer(_ token: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        return headers
    }

    // MARK: Jobs and fixtures

    /// Polls job `id` until it ends; returns its last document.
    func finishedJob(_ id: String, headers: HTTPFields = [:]) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        try await poll("job \(id) to end", seconds: 60, every: .milliseconds(20)) {
            last = try await send(.get, "/api/tts/\(id)", headers: headers).object
            return ["completed", "failed", "cancelled"].contains(last["status"] as? String ?? "")
        }
        return last
    }

    /// A short WAV of English speech, synthesised by espeak through the API.
    func speechWAV(_ text: String = "Hello there, this is a short test of the speech server.") async throws -> Data {
        let response = try await send(.post, "/api/tts", json: ["text": text, "model": "espeak-en-us", "format": "wav"])
        guard response.status == .ok else { throw TestEnvironment.SetupError(message: "espeak synthesis failed: \(response.text)") }
        return response.data
    }

    /// A queued job written to the store behind the scheduler's back, so it stays queued
    /// (nothing pumps the queue until another job of its lane is submitted).
    func parkedJob(batchID: String? = nil, batchIndex: Int? = nil) async throws -> JobRecord {
        try await dependencies.jobs.insert(
            JobRecord(
                payload: .synthesis(SynthesisJobSpec(text: try SpeechText("Hello."), model: "espeak-en-us")),
                lane: .cpu, batchID: batchID, batchIndex: batchIndex))
    }
}

extension TestResponse {
    /// The body's bytes.
    var data: Data { Data(body.readableBytesView) }
    /// The body as UTF-8 text.
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }
    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
    /// The problem's code (`type` without `/problems/`), or the OpenAI error's `code`.
    var problemCode: String? {
        if let type = object["type"] as? String { return type.replacingOccurrences(of: "/problems/", with: "") }
        return (object["error"] as? [String: Any])?["code"] as? String
    }
    /// A header by name.
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}
