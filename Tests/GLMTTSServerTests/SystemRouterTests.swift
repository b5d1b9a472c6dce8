import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GLMTTSServer

/// Engines, voice choice, limits, health, readiness, metrics, the contract, the docs and
/// web UI routes, CORS and routing errors, in process through the router.
@Suite struct SystemRouterTests {
    @Test func probesAndTheContractAnswer() async throws {
        try await RouterTestApp.run { app in
            let health = try await app.send(.get, "/health")
            #expect(health.status == .ok && health.object["status"] as? String == "ok")
            #expect(health.header("X-Request-Id")?.count == 24)
            let ready = try await app.send(.get, "/ready")
            #expect(ready.status == .ok && ready.object["status"] as? String == "ready")
            let yaml = try await app.send(.get, "/openapi.yaml")
            #expect(yaml.status == .ok && yaml.text.hasPrefix("openapi: 3.1.0"))
            let json = try await app.send(.get, "/openapi.json")
            #expect(json.status == .ok && json.object["paths"] != nil)
        }
    }

    @Test func enginesLimitsSystemAndGPUDescribeTheServer() async throws {
        try await RouterTestApp.run { app in
            let engines = try await app.send(.get, "/api/engines")
            let ids = (engines.object["engines"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(engines.status == .ok && ids.contains("espeak-en-us") && ids.contains("en_US-joe-medium"))
            let limits = try await app.send(.get, "/api/limits")
            #expect(limits.status == .ok && limits.object["max_upload_bytes"] as? Int == app.dependencies.configuration.maxUploadBytes)
            let system = try await app.send(.get, "/api/system")
            #expect(system.status == .ok && system.object["auth_mode"] as? String == "open")
            let gpu = try await app.send(.get, "/api/gpu/status")
            #expect(gpu.status == .ok && gpu.object["gpus"] is [Any])
        }
    }

    @Test func theVoiceRuleIsAppliedWithoutSynthesis() async throws {
        try await RouterTestApp.run { app in
            let chosen = try await app.send(.post, "/api/tts/voice", json: ["text": "Hello there."])
            #expect(chosen.status == .ok && chosen.object["named"] as? Bool == false)
            #expect(chosen.object["languages"] as? [String] == ["en"] && chosen.object["voice"] as? String == "en_US-joe-medium")
            let named = try await app.send(.post, "/api/tts/voice", json: ["text": "Hello there.", "model": "espeak-en-us"])
            #expect(named.status == .ok && named.object["voice"] as? String == "espeak-en-us" && named.object["named"] as? Bool == true)
            let korean = try await app.send(.post, "/api/tts/voice", json: ["text": "안녕하세요. 반갑습니다."])
            #expect(korean.status == .unprocessableContent && korean.problemCode == "text.language_unsupported", "\(korean.text)")
            let missing = try await app.send(.post, "/api/tts/voice", json: ["model": "espeak-en-us"])
            #expect(missing.status == .unprocessableContent)
        }
    }

    @Test func metricsCountRequestsByOperation() async throws {
        try await RouterTestApp.run { app in
            _ = try await app.send(.get, "/health")
            _ = try await app.send(.get, "/api/tts/abcdefghijkl")
            let metrics = try await app.send(.get, "/metrics")
            #expect(metrics.status == .ok && metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("glmtts_http_requests_total{operation=\"health\",method=\"GET\",status=\"200\"} 1"))
            #expect(metrics.text.contains("glmtts_http_problems_total{type=\"job.not_found\",status=\"404\"} 1"))
        }
    }

    @Test func docsAndWebUIAreServed() async throws {
        try await RouterTestApp.run { app in
            let docs = try await app.send(.get, "/docs")
            #expect(docs.status == .ok && docs.text.contains("swagger-ui"))
            #expect(try await app.send(.get, "/docs/init.js").status == .ok)
            let index = try await app.send(.get, "/")
            #expect(index.status == .ok && index.headers[.contentSecurityPolicy] != nil && index.headers[.eTag] != nil)
            var revalidate = HTTPFields()
            revalidate[.ifNoneMatch] = index.headers[.eTag]
            #expect(try await app.send(.get, "/", headers: revalidate).status == .notModified)
            let script = try await app.send(.get, "/ui/app.js")
            #expect(script.status == .ok && script.headers[.contentType]?.contains("javascript") == true)
            let missing = try await app.send(.get, "/ui/nothing.js")
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json")
            let line = try #require(app.log.requests(path: "/ui/app.js").last)
            #expect(line.metadata["operation"] == "static")
        }
    }

    @Test func routingErrorsAndCORSAreProblemsAndHeaders() async throws {
        try await RouterTestApp.run { app in
            let unknown = try await app.send(.get, "/api/nothing-here")
            #expect(unknown.status == .notFound && unknown.problemCode == "route.not_found")
            #expect(app.log.requests(path: "/api/nothing-here").last?.metadata["operation"] == "not_found")
            let method = try await app.send(.put, "/api/limits")
            #expect(method.status == .methodNotAllowed || method.status == .notFound, "\(method.status)")
            #expect(method.problemCode?.hasPrefix("route.") == true)

            var preflight = HTTPFields()
            preflight[.origin] = "https://app.example"
            preflight[.accessControlRequestMethod] = "POST"
            let answer = try await app.send(.options, "/api/tts", headers: preflight)
            #expect(answer.status == .noContent && answer.headers[.accessControlAllowOrigin] == "*")
            #expect(answer.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(answer.header("X-Request-Id") != nil)
            var origin = HTTPFields()
            origin[.origin] = "http://localhost"
            let simple = try await app.send(.get, "/api/limits", headers: origin)
            #expect(simple.status == .ok && simple.headers[.accessControlExposeHeaders]?.contains("X-Request-Id") == true)
            #expect(simple.headers[.vary] == "Origin")
        }
    }
}
