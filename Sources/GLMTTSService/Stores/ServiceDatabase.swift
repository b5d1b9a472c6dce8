import Foundation
import GLMTTSEngine
import GRDB

/// The server's SQLite database (jobs, their events, saved voices, API keys), shared by
/// `SQLiteJobStore`, `SQLiteVoiceStore` and `APIKeyStore`.
///
/// One file in WAL mode, opened through a GRDB `DatabasePool`: reads run concurrently
/// with the single writer; a writer waits up to 10 seconds for a lock held by another
/// process before failing with `StoreError.busy`. Foreign keys are enforced (a job's
/// events go with it). The schema is created or migrated when the database is opened.
///
/// Operations are not cancelled with the task that asked for them: a call that started
/// runs to its end (a job whose task was cancelled must still be able to record that).
///
/// Every failure is a `StoreError` whose message says what to do; SQL and SQLite's own
/// error text never appear in it.
public final class ServiceDatabase: Sendable {
    /// The database file.
    public let path: URL
    private let pool: DatabasePool

    /// Opens (creating when missing) the database at `path`, creating its folder
    /// (owner-only permissions) and bringing the schema up to date.
    ///
    /// Throws `StoreError.unreadable` when the file is not a SQLite database,
    /// `StoreError.readOnly` when the file or its folder cannot be written, and
    /// `StoreError.cannotOpen` when the folder cannot be created.
    public init(path: URL) throws {
        self.path = path
        let filePath = path.path
        let folder = path.deletingLastPathComponent()
        let manager = FileManager.default
        do {
            try manager.createDirectory(
                at: folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            if manager.fileExists(atPath: folder.path), !manager.isWritableFile(atPath: folder.path) {
                throw StoreError.readOnly(path: filePath)
            }
            throw StoreError.cannotOpen(path: filePath, reason: "its folder could not be created")
        }
        // SQLite would silently open a read-only file read-only, and WAL mode needs to
        // create files next to it: say so now rather than on the first write.
        if !manager.isWritableFile(atPath: folder.path)
            || (manager.fileExists(atPath: filePath) && !manager.isWritableFile(atPath: filePath))
        {
            throw StoreError.readOnly(path: filePath)
        }

        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.label = "glmtts.service"
        do {
            pool = try DatabasePool(path: filePath, configuration: configuration)
        } catch {
            throw Self.storeError(error, path: filePath, operation: "opening the database")
        }
        do {
            // GRDB's WAL mode uses synchronous=NORMAL, which does not sync commits to disk
            // before a checkpoint: a power loss or file-system failure could lose jobs that
            // were already acknowledged. FULL syncs every commit ("nothing accepted is lost").
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
        } catch {
            try? pool.close()
            throw Self.storeError(error, path: filePath, operation: "preparing the database")
        }
    }

    /// Proves that the database can be written now (readiness check): writes and commits
    /// one row of a tiny `health` table. Throws `StoreError` when it cannot.
    public func checkWritable() async throws {
        let now = Date().timeIntervalSince1970
        try await write("checking that the database is writable") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, ?)", arguments: [now])
        }
    }

    /// Closes the database; later calls fail. Closing happens by itself when the object
    /// goes away; call this to release the file at a known moment (shutdown, tests).
    public func close() throws {
        do {
            try pool.close()
        } catch {
            throw Self.storeError(error, path: path.path, operation: "closing the database")
        }
    }

    /// Runs `body` in one write transaction (committed when it returns, rolled back when it
    /// throws), whatever happens to the calling task. `operation` names the work for errors.
    func write<T: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await detached(operation) { pool in try await pool.write(body) }
    }

    /// Runs `body` on a consistent snapshot of the database, whatever happens to the
    /// calling task. `operation` names the work for errors.
    func read<T: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await detached(operation) { pool in try await pool.read(body) }
    }

    /// Runs `access` in an unstructured task, which does not inherit the caller's
    /// cancellation (GRDB would otherwise turn it into an interrupted statement), with its
    /// errors as `StoreError`s.
    private func detached<T: Sendable>(
        _ operation: String,
        _ access: @escaping @Sendable (DatabasePool) async throws -> T
    ) async throws -> T {
        let pool = self.pool
        let filePath = path.path
        let task = Task { () async throws -> T in
            do {
                return try await access(pool)
            } catch {
                throw Self.storeError(error, path: filePath, operation: operation)
            }
        }
        return try await task.value
    }

    /// `error` as a `StoreError`.
    static func storeError(_ error: any Error, path: String, operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_READONLY, .SQLITE_PERM: return .readOnly(path: path)
            case .SQLITE_FULL: return .diskFull(path: path)
            case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .unreadable(path: path)
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(path: path)
            case .SQLITE_CANTOPEN: return .cannotOpen(path: path, reason: "SQLite could not open the file")
            case .SQLITE_IOERR: return .ioError(path: path)
            default: return .failed(operation: operation, reason: "SQLite result code \(error.resultCode.rawValue)")
            }
        }
        if error is DecodingError || error is RowDecodingError {
            return .failed(operation: operation, reason: "a stored record could not be decoded")
        }
        if error is EncodingError {
            return .failed(operation: operation, reason: "a record could not be encoded")
        }
        if error is CancellationError {
            return .failed(operation: operation, reason: "cancelled")
        }
        return .failed(operation: operation, reason: "unexpected error")
    }

    /// The schema, one migration per released change.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        status TEXT NOT NULL
                            CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
                        lane TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        seq INTEGER NOT NULL UNIQUE,
                        payload BLOB NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        max_attempts INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL,
                        progress REAL NOT NULL DEFAULT 0,
                        stage TEXT,
                        result BLOB,
                        problem BLOB,
                        batch_id TEXT,
                        batch_index INTEGER,
                        owner TEXT
                    );
                    CREATE INDEX jobs_claim ON jobs (status, lane, priority DESC, seq);
                    CREATE INDEX jobs_batch ON jobs (batch_id, batch_index);
                    CREATE INDEX jobs_finished ON jobs (status, finished_at);
                    CREATE TABLE job_events (
                        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        PRIMARY KEY (job_id, seq)
                    );
                    CREATE TABLE voices (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        reference_text TEXT,
                        transcribed INTEGER NOT NULL DEFAULT 0,
                        quality BLOB NOT NULL,
                        owner TEXT
                    );
                    CREATE INDEX voices_name ON voices (name);
                    CREATE TABLE health (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        checked_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-api-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        revoked_at REAL,
                        last_used_at REAL,
                        rate_per_minute INTEGER,
                        chars_per_day INTEGER
                    );
                    CREATE TABLE key_usage (
                        key_id TEXT NOT NULL,
                        day TEXT NOT NULL,
                        characters INTEGER NOT NULL,
                        PRIMARY KEY (key_id, day)
                    );
                    CREATE INDEX jobs_owner ON jobs (owner, created_at);
                    CREATE INDEX voices_owner ON voices (owner);
                    """)
        }
        return migrator
    }
}
