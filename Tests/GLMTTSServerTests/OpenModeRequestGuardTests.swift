import HTTPTypes
import Testing

@testable import GLMTTSServer

@Suite struct OpenModeRequestGuardTests {
    let guardian = OpenModeRequestGuard(bindHost: "127.0.0.1", allowedOrigins: ["https://app.example"])

    func request(host: String?, origin: String? = nil) -> HTTPRequest {
        var request = HTTPRequest(method: .post, scheme: "http", authority: host, path: "/api/admin/models/reload")
        if let origin { request.headerFields[.origin] = origin }
        return request
    }

    func refusal(_ request: HTTPRequest) -> String? {
        do {
            try guardian.check(request)
            return nil
        } catch let problem as HTTPProblem {
            #expect(problem.statusCode == 403)
            return problem.code
        } catch {
            Issue.record("unexpected \(error)")
            return "?"
        }
    }

    @Test func requestsThroughAProxyAreRecognised() {
        #expect(!OpenModeRequestGuard.isForwarded(request(host: "127.0.0.1:8080")))
        for name in ["X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host", "X-Forwarded-Proto", "x-forwarded-for"] {
            var forwarded = request(host: "127.0.0.1:8080")
            forwarded.headerFields[HTTPField.Name(name)!] = "203.0.113.7"
            #expect(OpenModeRequestGuard.isForwarded(forwarded), "\(name)")
        }
    }

    @Test func programsOnLoopbackPass() {
        for host in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST.", "[::1]:8080", "127.1.2.3", "::1", nil] {
            #expect(refusal(request(host: host)) == nil, "\(host ?? "no Host")")
        }
    }

    @Test func theServersOwnPagesAndListedOriginsPass() {
        #expect(refusal(request(host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080")) == nil)
        #expect(refusal(request(host: "localhost:9000", origin: "http://localhost:9000")) == nil)  // an SSH tunnel
        #expect(refusal(request(host: "127.0.0.1:8080", origin: "https://app.example")) == nil)
    }

    @Test func foreignNamesAreRefused() {
        for host in ["rebound.evil.example:8080", "127.0.0.1.evil.example", "10.0.0.5:8080", "[::2]:8080", "localhost.evil.example"] {
            #expect(refusal(request(host: host)) == "auth.foreign_host", "\(host)")
        }
    }

    @Test func foreignOriginsAreRefused() {
        for origin in ["https://evil.example", "null", "http://127.0.0.1:9999", "http://localhost:8080"] {
            #expect(refusal(request(host: "127.0.0.1:8080", origin: origin)) == "auth.foreign_origin", "\(origin)")
        }
        // `*` in GLMTTS_CORS_ORIGINS is not an allowance here (`OpenModeGuardMiddleware` filters it out).
        let starred = OpenModeRequestGuard(bindHost: "127.0.0.1", allowedOrigins: [])
        #expect(throws: HTTPProblem.self) { try starred.check(request(host: "127.0.0.1:8080", origin: "https://evil.example")) }
    }

    @Test func hostNamesAreParsedLikeBrowsersSendThem() {
        #expect(OpenModeRequestGuard.hostName(of: "[::1]:8080") == "::1")
        #expect(OpenModeRequestGuard.hostName(of: "Example.COM.:80") == "example.com")
        #expect(OpenModeRequestGuard.hostName(of: "::1") == "::1")
        #expect(!OpenModeRequestGuard.isLoopback("127.0.0.256"))
        #expect(!OpenModeRequestGuard.isLoopback("127.0.0"))
    }
}
