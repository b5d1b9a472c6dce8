import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GLMTTSServer

/// The admin operations (API keys, models at run time, offload), in process through the
/// router, in open mode (everything allowed from a local client).
@Suite struct AdminRouterTests {
    @Test func keysAreCreatedListedAndRevoked() async throws {
        try await RouterTestApp.run { app in
            let created = try await app.send(
                .post, "/api/admin/keys", json: ["name": "ci", "scopes": ["read"], "rate_limit_per_minute": 5])
            #expect(created.status == .created)
            let id = try #require(created.object["id"] as? String)
            #expect((created.object["key"] as? String)?.hasPrefix("gtts_\(id)_") == true)
            let list = try await app.send(.get, "/api/admin/keys")
            let keys = list.object["keys"] as? [[String: Any]] ?? []
            #expect(list.status == .ok && keys.map { $0["id"] as? String } == [id] && keys.first?["key"] == nil)
            let revoked = try await app.send(.delete, "/api/admin/keys/\(id)")
            #expect(revoked.status == .ok && revoked.object["revoked_at"] != nil)
            let unknown = try await app.send(.delete, "/api/admin/keys/abcdef123456")
            #expect(unknown.status == .notFound && unknown.problemCode == "not_found")
        }
    }

    @Test func badKeyRequestsAreProblems() async throws {
        try await RouterTestApp.run { app in
            let noScope = try await app.send(.post, "/api/admin/keys", json: ["name": "ci", "scopes": [String]()])
            #expect(noScope.status.code == 422 || noScope.status.code == 400)
            let badScope = try await app.send(.post, "/api/admin/keys", json: ["name": "ci", "scopes": ["root"]])
            #expect(badScope.status == .unprocessableContent && badScope.problemCode == "request.invalid_field")
            let blank = try await app.send(.post, "/api/admin/keys", json: ["name": "  ", "scopes": ["read"]])
            #expect(
                blank.status == .unprocessableContent && (blank.object["errors"] as? [[String: Any]])?.first?["field"] as? String == "name")
            let noName = try await app.send(.post, "/api/admin/keys", json: ["scopes": ["read"]])
            #expect(noName.status == .unprocessableContent && noName.problemCode == "request.missing_field")
        }
    }

    @Test func modelsAreLoadedUnloadedReloadedAndOffloaded() async throws {
        try await RouterTestApp.run { app in
            let load = try await app.send(.post, "/api/admin/models/espeak-en-us/load")
            #expect(load.status == .ok && load.object["loaded"] as? Bool == true, "\(load.text)")
            let reload = try await app.send(.post, "/api/admin/models/espeak-en-us/reload")
            #expect(reload.status == .ok && reload.object["loaded"] as? Bool == true)
            let all = try await app.send(.post, "/api/admin/models/reload")
            #expect(all.status == .ok && all.object["failed"] as? [Any] != nil)
            let unload = try await app.send(.post, "/api/admin/models/espeak-en-us/unload")
            #expect(unload.status == .ok && unload.object["loaded"] as? Bool == false)
            let missing = try await app.send(.post, "/api/admin/models/no-such-model/load")
            #expect(missing.status == .notFound)
            let action = try await app.send(.post, "/api/admin/models/espeak-en-us/explode")
            #expect(action.status.code == 400 || action.status.code == 422, "\(action.status)")
            let offload = try await app.send(.post, "/api/gpu/offload")
            #expect(offload.status == .ok && offload.object["unloaded"] is [Any])
        }
    }
}
