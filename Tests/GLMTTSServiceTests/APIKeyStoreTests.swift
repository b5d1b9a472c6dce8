import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

@Suite struct APIKeyStoreTests {
    @Test func tokensParseOnlyTheirOwnShapeAndCompareByHash() throws {
        let token = APIKeyToken.generate()
        #expect(token.text.hasPrefix("gtts_") && token.text.count == 5 + 12 + 1 + 64)
        #expect(APIKeyToken(token.text) == token)
        for bad in [
            "", "gtts_", "gtts_abc_def", token.text + "0", token.text.uppercased(), "Bearer " + token.text,
            token.text.replacingOccurrences(of: "_", with: "-"), "gtts_" + String(repeating: "g", count: 12) + "_" + token.secret,
        ] {
            #expect(APIKeyToken(bad) == nil, "\(bad)")
        }
        #expect(token.matches(hash: token.secretHash))
        #expect(!token.matches(hash: APIKeyToken.generate().secretHash))
        #expect(!token.matches(hash: ""))
        #expect(APIKeyToken.generate().id != APIKeyToken.generate().id)
    }

    @Test func scopesNest() {
        #expect(APIKeyScope.admin.allows(.synthesize) && APIKeyScope.admin.allows(.read))
        #expect(APIKeyScope.synthesize.allows(.read) && !APIKeyScope.synthesize.allows(.admin))
        #expect(!APIKeyScope.read.allows(.synthesize))
    }

    @Test func createAuthenticateRevokeAndNothingSecretIsStored() async throws {
        try await JobTestDatabase.with { database, _ in
            let keys = SQLiteAPIKeyStore(database: database)
            let (record, token) = try await keys.create(name: "ci", scopes: [.read, .synthesize, .read], rateLimitPerMinute: 5)
            #expect(record.scopes == [.read, .synthesize] && record.highestScope == .synthesize)
            #expect(try await keys.authenticate(token.text)?.id == record.id)
            #expect(try await keys.authenticate(token.text + "x") == nil)
            let forged = "gtts_\(token.id)_" + String(repeating: "0", count: 64)
            #expect(try await keys.authenticate(forged) == nil)
            #expect(try await keys.key(id: record.id)?.rateLimitPerMinute == 5)
            let raw = try Data(contentsOf: database.path)
            #expect(raw.range(of: Data(token.secret.utf8)) == nil)
            let revoked = try await keys.revoke(id: record.id)
            #expect(revoked?.revokedAt != nil)
            #expect(try await keys.authenticate(token.text) == nil)
            let again = try await keys.revoke(id: record.id)
            #expect(again?.revokedAt == revoked?.revokedAt)
            #expect(try await keys.revoke(id: "nope") == nil)
            #expect(try await keys.all().count == 1)
        }
    }

    @Test func quotaChargesAtomicallyPerDay() async throws {
        try await JobTestDatabase.with { database, _ in
            let keys = SQLiteAPIKeyStore(database: database)
            let (record, _) = try await keys.create(name: "q", scopes: [.synthesize])
            let day = QuotaDay.of(Date(timeIntervalSince1970: 1_700_000_000))
            #expect(day == "2023-11-14")
            #expect(try await keys.charge(id: record.id, day: day, characters: 60, limit: 100) == (true, 60))
            #expect(try await keys.charge(id: record.id, day: day, characters: 41, limit: 100) == (false, 60))
            #expect(try await keys.charge(id: record.id, day: day, characters: 40, limit: 100) == (true, 100))
            #expect(try await keys.charge(id: record.id, day: "2023-11-15", characters: 50, limit: 100) == (true, 50))
            #expect(try await keys.usage(id: record.id, day: day) == 0)  // older days are dropped
            #expect(try await keys.charge(id: record.id, day: "2023-11-15", characters: 10_000, limit: 0) == (true, 10_050))
            // Many concurrent charges never pass the limit.
            let (other, _) = try await keys.create(name: "r", scopes: [.synthesize])
            let allowed = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<40 {
                    group.addTask { (try? await keys.charge(id: other.id, day: day, characters: 7, limit: 100).allowed) ?? false }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(allowed == 14)
            #expect(try await keys.usage(id: other.id, day: day) == 98)
        }
    }
}
