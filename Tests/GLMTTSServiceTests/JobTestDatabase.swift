import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// A real SQLite service database in a fresh temporary folder, removed by `remove()`.
struct JobTestDatabase: Sendable {
    /// The folder holding the database file.
    let folder: URL

    /// The database file.
    var path: URL { folder.appendingPathComponent("service.sqlite") }

    init() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("glmtts-jobs-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Opens (or reopens) the database file.
    func open() throws -> ServiceDatabase { try ServiceDatabase(path: path) }

    /// Creates the database with one job in it and closes it, leaving only the database file
    /// (no `-wal` or `-shm` beside it), for tests that then damage or protect that file.
    func storeOneJobAndClose() async throws {
        let database = try open()
        _ = try await SQLiteJobStore(database: database).insert(JobSamples.job())
        try database.close()
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path.path + suffix)
        }
    }

    /// Deletes the folder and everything in it.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `body` with an open database and a job store over it, then closes and deletes it.
    static func with<T>(_ body: (ServiceDatabase, SQLiteJobStore) async throws -> T) async throws -> T {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let database = try files.open()
        defer { try? database.close() }
        return try await body(database, SQLiteJobStore(database: database))
    }
}
