import Foundation
import Testing

@testable import GLMTTSService

@Suite struct PostgresLocationTests {
    @Test func aURLGivesServerDatabaseTLSAndListening() throws {
        let location = try PostgresLocation(parsing: "postgres://glmtts:s3cret@db.internal:6543/jobs?sslmode=require")
        #expect(location.host == "db.internal" && location.port == 6543 && location.database == "jobs")
        #expect(location.user == "glmtts" && location.password == "s3cret" && location.tls == .require)
        #expect(location.listens, "nodes listen for notifications unless told not to")
        #expect(!location.description.contains("s3cret"))
        let pooled = try PostgresLocation(parsing: "postgresql://glmtts@pgbouncer/jobs?listen=off", environmentPassword: "fromenv")
        #expect(!pooled.listens && pooled.password == "fromenv" && pooled.port == 5432 && pooled.tls == .prefer)
        let socket = try PostgresLocation(parsing: "postgres://glmtts@/jobs?host=/run/postgresql&listen=on")
        #expect(socket.socketPath == "/run/postgresql/.s.PGSQL.5432" && socket.listens && socket.tls == .disable)
    }

    @Test func badSettingsSayWhatTheyMustLookLike() {
        for bad in [
            "mysql://u@h/d", "postgres://h/d", "postgres://u@h/", "postgres://u@h/d?listen=maybe", "postgres://u@h/d?listen=on&listen=off",
            "postgres://u@h/d?other=1", "postgres://u@h/d?sslmode=verify-full", "postgres://u@h:0/d",
        ] {
            #expect(throws: PostgresLocation.Invalid.self, "\(bad)") { try PostgresLocation(parsing: bad) }
        }
    }
}
