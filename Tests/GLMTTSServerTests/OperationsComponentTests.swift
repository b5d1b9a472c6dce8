import Foundation
import GLMTTSAPI
import GLMTTSEngine
import Logging
import Testing

@testable import GLMTTSServer

@Suite struct OperationsComponentTests {
    @Test func settingsFileParsesAndNamesTheBadLine() throws {
        let known: Set<String> = ["GLMTTS_PORT", "GLMTTS_HOST", "GLMTTS_CORS_ORIGINS"]
        let parsed = try SettingsFile.parse(
            """
            # comment
            GLMTTS_PORT = 9000
            export GLMTTS_HOST="0.0.0.0"

            GLMTTS_CORS_ORIGINS=https://a.example # trailing comment
            """, source: "x.env", known: known)
        #expect(parsed == ["GLMTTS_PORT": "9000", "GLMTTS_HOST": "0.0.0.0", "GLMTTS_CORS_ORIGINS": "https://a.example"])
        #expect(throws: ConfigurationError.self) { try SettingsFile.parse("GLMTTS_PORT=1\nGLMTTS_PROT=2", source: "x.env", known: known) }
        do {
            _ = try SettingsFile.parse("\n\nnot a setting", source: "x.env", known: known)
            Issue.record("accepted a malformed line")
        } catch let error as ConfigurationError {
            #expect(error.message.contains("x.env line 3"))
        }
    }

    @Test func precedenceIsDefaultsFileEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-\(UUID().uuidString).env")
        defer { try? FileManager.default.removeItem(at: file) }
        try "GLMTTS_MAX_QUEUED_JOBS=7\nGLMTTS_MAX_TEXT_CHARS=321\n".write(to: file, atomically: true, encoding: .utf8)
        let config = try ServerConfiguration.load(
            environment: ["GLMTTS_MAX_QUEUED_JOBS": "9", "GLMTTS_DATA_DIR": "/tmp/x"], configFile: file)
        #expect(config.maxQueuedJobs == 9 && config.textLimits.maxCharacters == 321 && config.maxAttempts == 3)
    }

    @Test func openAccessIsRefusedOffLoopbackAndAutoResolves() throws {
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.fromEnvironment(["GLMTTS_HOST": "0.0.0.0", "GLMTTS_AUTH": "open"])
        }
        #expect(try !ServerConfiguration.fromEnvironment([:]).requiresKeys)
        #expect(try ServerConfiguration.fromEnvironment(["GLMTTS_HOST": "0.0.0.0"]).requiresKeys)
        #expect(try ServerConfiguration.fromEnvironment(["GLMTTS_AUTH": "keys"]).requiresKeys)
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["GLMTTS_AUTH": "maybe"]) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["GLMTTS_LOG_FORMAT": "xml"]) }
    }

    @Test func everySpecOperationHasADeliberateScope() throws {
        let spec = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as! [String: Any]
        let paths = spec["paths"] as! [String: [String: Any]]
        var operations: [String: Bool] = [:]  // id → public in the spec
        for item in paths.values {
            for case let (_, op as [String: Any]) in item {
                operations[op["operationId"] as! String] = (op["security"] as? [Any])?.isEmpty == true
            }
        }
        let admin: Set<String> = [
            "getMetrics", "listAPIKeys", "createAPIKey", "revokeAPIKey", "reloadAllModels", "changeModel",
            "offloadModels", "getModelCatalog", "pullModels", "getModelPull", "cancelModelPull", "streamModelPull", "removeModel",
        ]
        for (id, isPublic) in operations {
            let scope = OperationScopes.required(for: id)
            #expect((scope == nil) == isPublic, "\(id): the spec and OperationScopes disagree on whether it is public")
            if scope == .admin { #expect(admin.contains(id), "\(id) falls back to admin; give it a scope in OperationScopes") }
        }
        #expect(operations.count >= 32)
    }

    @Test func rateLimiterCountsPerWindowAndCapsConcurrency() async {
        let limiter = RateLimiter()
        let start = Date(timeIntervalSince1970: 1000)
        let decisions = await (0..<4).asyncMap { i in await limiter.admit("k", limit: 3, now: start.addingTimeInterval(Double(i))) }
        #expect(decisions.map(\.allowed) == [true, true, true, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0])
        #expect(decisions[3].resetSeconds == 57)
        #expect(await limiter.admit("other", limit: 3, now: start).allowed)
        #expect(await limiter.admit("k", limit: 3, now: start.addingTimeInterval(60)).allowed)
        #expect(await limiter.admit("k", limit: 0, now: start).allowed)
        #expect(await limiter.enter("c", cap: 2))
        #expect(await limiter.enter("c", cap: 2))
        #expect(!(await limiter.enter("c", cap: 2)))
        await limiter.leave("c")
        #expect(await limiter.enter("c", cap: 2))
    }

    @Test func logLinesInEachFormatAndEscaping() throws {
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        let metadata: Logger.Metadata = ["request_id": "abc", "path": "/api/tts", "note": "two words \"quoted\"\nline"]
        let json = StructuredLogHandler.line(
            time: time, level: .info, label: "glmtts", message: "request", metadata: metadata, format: .json)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: String]
        #expect(object["msg"] == "request" && object["request_id"] == "abc" && object["level"] == "info")
        #expect(object["time"]?.hasPrefix("2023-11-14T22:13:20") == true && object["note"]?.contains("\n") == true)
        #expect(!json.contains("\n"))
        let logfmt = StructuredLogHandler.line(
            time: time, level: .warning, label: "glmtts", message: "a b", metadata: metadata, format: .logfmt)
        #expect(logfmt.contains("level=warning") && logfmt.contains("msg=\"a b\"") && logfmt.contains("request_id=abc"))
        #expect(logfmt.contains("note=\"two words \\\"quoted\\\"\\nline\"") && !logfmt.contains("\n"))
        let text = StructuredLogHandler.line(time: time, level: .error, label: "glmtts", message: "failed", metadata: [:], format: .text)
        #expect(text.hasSuffix("error glmtts: failed"))
    }

    @Test func principalsSeeOnlyTheirOwn() {
        let a = Principal(keyID: "aaaaaaaaaaaa", scope: .synthesize)
        #expect(a.canSee(owner: "aaaaaaaaaaaa") && !a.canSee(owner: "bbbbbbbbbbbb") && !a.canSee(owner: nil))
        #expect(Principal(keyID: "cccccccccccc", scope: .admin).canSee(owner: "aaaaaaaaaaaa"))
        #expect(Principal.open.canSee(owner: "aaaaaaaaaaaa") && Principal.open.owner == nil)
    }
}

extension Sequence {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var out: [T] = []
        for element in self { out.append(await transform(element)) }
        return out
    }
}
