import Foundation
import GLMTTSService
import GLMTTSTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GLMTTSServer

/// Access control through the router: keys and scopes, rate limits and quotas, stream and
/// concurrency caps, and the open-mode guard against browsers and proxies.
@Suite struct AccessRouterTests {
    /// Keys required; `adjust` changes more.
    private static func keys(_ adjust: @escaping (inout ServerConfiguration) -> Void = { _ in }) -> (inout ServerConfiguration) -> Void {
        { configuration in
            configuration.accessMode = .keys
            adjust(&configuration)
        }
    }

    private static func token(_ app: RouterTestApp, _ scopes: [APIKeyScope], rate: Int? = nil, quota: Int? = nil) async throws -> String {
        try await app.dependencies.keys.create(name: "test", scopes: scopes, rateLimitPerMinute: rate, quotaCharactersPerDay: quota).1.text
    }

    @Test func keysAreRequiredAndScopesChecked() async throws {
        try await RouterTestApp.run(Self.keys()) { app in
            #expect(try await app.send(.get, "/health").status == .ok)
            let none = try await app.send(.get, "/api/limits")
            #expect(none.status == .unauthorized && none.problemCode == "auth.required")
            #expect(none.headers[.wwwAuthenticate] == "Bearer realm=\"glmtts\"")
            let bad = try await app.send(.get, "/api/limits", headers: RouterTestApp.bearer("gtts_nope"))
            #expect(bad.status == .unauthorized && bad.problemCode == "auth.invalid")
            let openAI = try await app.send(.get, "/v1/models")
            #expect(openAI.status == .unauthorized && (openAI.object["error"] as? [String: Any])?["code"] as? String == "auth.required")

            let read = try await Self.token(app, [.read])
            let allowed = try await app.send(.get, "/api/limits", headers: RouterTestApp.bearer(read))
            #expect(allowed.status == .ok && allowed.header("RateLimit-Limit") == "300" && allowed.header("RateLimit-Remaining") == "299")
            let forbidden = try await app.send(.post, "/api/tts", json: ["text": "Hi"], headers: RouterTestApp.bearer(read))
            #expect(forbidden.status == .forbidden && forbidden.problemCode == "auth.forbidden")
            #expect(try await app.send(.get, "/api/admin/keys", headers: RouterTestApp.bearer(read)).status == .forbidden)
            let line = try #require(app.log.requests(path: "/api/limits").last)
            #expect(line.metadata["key_id"] == String(read.dropFirst(5).prefix(12)) && line.metadata["operation"] == "getLimits")
        }
    }

    @Test func aKeySeesOnlyItsOwnJobs() async throws {
        try await RouterTestApp.run(Self.keys()) { app in
            let mine = try await Self.token(app, [.synthesize])
            let theirs = try await Self.token(app, [.synthesize])
            var headers = RouterTestApp.bearer(mine)
            headers[HTTPField.Name("Prefer")!] = "respond-async"
            let accepted = try await app.send(.post, "/api/tts", json: ["text": "Mine.", "model": "espeak-en-us"], headers: headers)
            let id = try #require(accepted.object["id"] as? String)
            #expect(try await app.send(.get, "/api/tts/\(id)", headers: RouterTestApp.bearer(theirs)).status == .notFound)
            #expect(try await app.finishedJob(id, headers: RouterTestApp.bearer(mine))["status"] as? String == "completed")
        }
    }

    @Test func rateLimitsAndQuotasRefuseWithRetryAfter() async throws {
        try await RouterTestApp.run(Self.keys()) { app in
            let limited = try await Self.token(app, [.read], rate: 1)
            #expect(try await app.send(.get, "/api/limits", headers: RouterTestApp.bearer(limited)).status == .ok)
            let refused = try await app.send(.get, "/api/limits", headers: RouterTestApp.bearer(limited))
            #expect(refused.status == .tooManyRequests && refused.problemCode == "rate.limited")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0 && refused.header("RateLimit-Remaining") == "0")
            let small = try await Self.token(app, [.synthesize], quota: 3)
            let quota = try await app.send(
                .post, "/api/tts", json: ["text": "Hello there", "model": "espeak-en-us"],
                headers: RouterTestApp.bearer(small))
            #expect(quota.status == .tooManyRequests && quota.problemCode == "quota.exceeded" && quota.headers[.retryAfter] != nil)
        }
    }

    @Test func openStreamsAreCappedPerClientUntilTheyEnd() async throws {
        try await RouterTestApp.run({ $0.maxStreamsPerClient = 1 }) { app in
            let job = try await app.parkedJob()
            try await withThrowingTaskGroup(of: TestResponse.self) { group in
                group.addTask { try await app.send(.get, "/api/tts/progress/\(job.id)") }
                try await poll("the first stream to hold its slot", seconds: 30, every: .milliseconds(5)) {
                    app.dependencies.streams.total == 1
                }
                let second = try await app.send(.get, "/api/tts/progress/\(job.id)")
                #expect(second.status == .tooManyRequests && second.problemCode == "stream.limit" && second.headers[.retryAfter] == "1")
                #expect(try await app.send(.delete, "/api/tts/\(job.id)").status == .ok)
                let first = try #require(try await group.next())
                #expect(first.status == .ok && first.text.contains("cancelled"))
            }
            #expect(app.dependencies.streams.total == 0)
        }
    }

    @Test func concurrentRequestsAreCappedPerClient() async throws {
        try await RouterTestApp.run({ $0.maxConcurrentPerClient = 1 }) { app in
            let text = String(repeating: "This sentence keeps the voice busy for a while. ", count: 6)
            try await withThrowingTaskGroup(of: TestResponse.self) { group in
                group.addTask { try await app.send(.post, "/api/tts", json: ["text": text, "format": "wav"]) }
                try await poll("the first request's job to be queued", seconds: 30, every: .milliseconds(2)) {
                    let queued = (try? await app.dependencies.jobs.queuedCount()) ?? 0
                    return await queued + app.dependencies.scheduler.runningCount() > 0
                }
                let second = try await app.send(.get, "/api/limits")
                #expect(second.status == .tooManyRequests && second.problemCode == "rate.concurrency")
                #expect(try #require(try await group.next()).status == .ok)
            }
            #expect(try await app.send(.get, "/api/limits").status == .ok)
        }
    }

    @Test func openModeRefusesForeignPagesAndProxiedRequests() async throws {
        try await RouterTestApp.run { app in
            var origin = HTTPFields()
            origin[.origin] = "https://evil.example"
            let page = try await app.send(.post, "/api/tts", json: ["text": "Hi"], headers: origin)
            #expect(page.status == .forbidden && page.problemCode == "auth.foreign_origin")
            var forwarded = HTTPFields()
            forwarded[.xForwardedFor] = "203.0.113.9"
            let proxied = try await app.send(.get, "/api/limits", headers: forwarded)
            #expect(proxied.status == .unauthorized && proxied.problemCode == "auth.required")
            #expect(((proxied.object["detail"] as? String) ?? "").contains("proxy"))
            #expect(try await app.send(.get, "/health", headers: forwarded).status == .ok)
        }
    }
}
