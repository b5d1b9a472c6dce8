import Foundation
import GLMTTSEngine
import GRDB

/// `JobStore` in the SQLite service database (`ServiceDatabase`).
///
/// Every method is one transaction. The single SQLite writer serializes writes, so
/// `claimNext` cannot hand the same job to two callers. Dates are stored as seconds since
/// 1970 (`REAL`), the payload, result, problem and events as JSON.
///
/// One node only (`isShared` is false): no lease is given or checked, there is no other
/// node to rescue from or to ask to cancel, and `recoverInterrupted` at start takes back
/// every run the last process left.
public final class SQLiteJobStore: JobStore {
    private let database: ServiceDatabase

    /// A store in `database`.
    public init(database: ServiceDatabase) {
        self.database = database
    }

    public func insert(_ job: JobRecord) async throws -> JobRecord {
        let stored = try await insert([job])
        return stored[0]
    }

    public func insert(_ jobs: [JobRecord]) async throws -> [JobRecord] {
        if jobs.isEmpty { return [] }
        return try await database.write(jobs.count == 1 ? "saving a job" : "saving a batch of jobs") { db in
            var next = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM jobs") ?? 0) + 1
            var stored: [JobRecord] = []
            stored.reserveCapacity(jobs.count)
            for var job in jobs {
                job.sequence = next
                next += 1
                try db.execute(
                    sql: """
                        INSERT INTO jobs (id, kind, status, lane, priority, seq, payload, attempts, max_attempts,
                                          created_at, started_at, finished_at, progress, stage, result, problem,
                                          batch_id, batch_index, owner)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        job.id.rawValue, job.kind.rawValue, job.status.rawValue, job.lane.rawValue, job.priority,
                        job.sequence, try Self.json(job.payload), job.attempts, job.maxAttempts,
                        job.createdAt.timeIntervalSince1970, job.startedAt?.timeIntervalSince1970,
                        job.finishedAt?.timeIntervalSince1970, job.progress, job.stage?.rawValue,
                        try job.result.map(Self.json), try job.problem.map(Self.json),
                        job.batchID, job.batchIndex, job.owner,
                    ])
                stored.append(job)
            }
            return stored
        }
    }

    public func job(_ id: JobID) async throws -> JobRecord? {
        try await database.read("reading a job") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id.rawValue]).map(Self.record)
        }
    }

    public func claimNext(lane: JobLane, now: Date) async throws -> JobRecord? {
        let started = now.timeIntervalSince1970
        return try await database.write("claiming a job") { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT * FROM jobs WHERE status = 'queued' AND lane = ?
                        ORDER BY priority DESC, seq ASC LIMIT 1
                        """, arguments: [lane.rawValue])
            else { return nil }
            var job = try Self.record(row)
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ? WHERE id = ?
                    """, arguments: [started, job.id.rawValue])
            job.status = .running
            job.attempts += 1
            job.startedAt = Date(timeIntervalSince1970: started)
            return job
        }
    }

    public var isShared: Bool { false }

    public func updateProgress(_ id: JobID, lease: Int64?, progress: Double, stage: JobStage?) async throws {
        try await database.write("recording a job's progress") { db in
            try db.execute(
                sql: "UPDATE jobs SET progress = ?, stage = ? WHERE id = ? AND status = 'running'",
                arguments: [progress, stage?.rawValue, id.rawValue])
        }
    }

    /// Moves the job to `status` (which must be final) with its result or problem; a job
    /// that is already final is left as it is. A completed job's progress becomes 1.
    public func finish(_ id: JobID, lease: Int64?, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws {
        guard status.isFinal else {
            throw StoreError.failed(operation: "finishing a job", reason: "'\(status.rawValue)' is not a final status")
        }
        let resultJSON = try result.map(Self.json)
        let problemJSON = try problem.map(Self.json)
        let finished = at.timeIntervalSince1970
        try await database.write("finishing a job") { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = ?, result = ?, problem = ?, finished_at = ?,
                                    progress = CASE WHEN ? THEN 1 ELSE progress END
                    WHERE id = ? AND status IN ('queued', 'running')
                    """, arguments: [status.rawValue, resultJSON, problemJSON, finished, status == .completed, id.rawValue])
        }
    }

    public func requeue(_ id: JobID, lease: Int64?, problem: JobProblem) async throws {
        let problemJSON = try Self.json(problem)
        try await database.write("putting a job back in the queue") { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'queued', progress = 0, stage = NULL, problem = ?
                    WHERE id = ? AND status = 'running'
                    """, arguments: [problemJSON, id.rawValue])
        }
    }

    public func cancelIfQueued(_ id: JobID, at: Date) async throws -> Bool {
        let problemJSON = try Self.json(JobProblem.cancelled)
        let finished = at.timeIntervalSince1970
        return try await database.write("cancelling a job") { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'cancelled', finished_at = ?, problem = ?
                    WHERE id = ? AND status = 'queued'
                    """, arguments: [finished, problemJSON, id.rawValue])
            return db.changesCount > 0
        }
    }

    public func delete(_ id: JobID) async throws {
        try await database.write("deleting a job") { db in
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id.rawValue])
        }
    }

    /// Numbers `event` after the job's last one and stores it, in one transaction; nil when
    /// the last one is final. Throws when the job does not exist.
    public func appendEvent(_ event: JobEvent, lease: Int64?) async throws -> JobEvent? {
        let encoder = JSONEncoder()
        return try await database.write("saving a job event") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE id = ?", arguments: [event.jobID.rawValue]) != nil else {
                throw StoreError.failed(operation: "saving a job event", reason: "job \(event.jobID) does not exist")
            }
            let last = try Row.fetchOne(
                db, sql: "SELECT seq, body FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1",
                arguments: [event.jobID.rawValue])
            if let last, try JSONDecoder().decode(JobEvent.self, from: try last.decode(Data.self, forColumn: "body")).kind.isFinal {
                return nil
            }
            var numbered = event
            numbered.sequence = try (last?.decode(Int.self, forColumn: "seq") ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO job_events (job_id, seq, body) VALUES (?, ?, ?)",
                arguments: [event.jobID.rawValue, numbered.sequence, try encoder.encode(numbered)])
            return numbered
        }
    }

    public func events(for id: JobID, after sequence: Int) async throws -> [JobEvent] {
        try await database.read("reading a job's events") { db in
            let bodies = try Data.fetchAll(
                db, sql: "SELECT body FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq",
                arguments: [id.rawValue, sequence])
            let decoder = JSONDecoder()
            return try bodies.map { try decoder.decode(JobEvent.self, from: $0) }
        }
    }

    /// No other node holds leases here: nothing to renew, cancel elsewhere or rescue.
    public func renewLeases(_ leases: [JobID: Int64], now: Date) async throws -> LeaseRenewal { LeaseRenewal() }

    public func requestCancel(_ id: JobID) async throws -> Bool { false }

    public func rescueExpiredLeases(problem: JobProblem, now: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord]) {
        ([], [])
    }

    public func queuePosition(of id: JobID) async throws -> Int? {
        try await database.read("reading a job's queue position") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT status, lane, priority, seq FROM jobs WHERE id = ?",
                    arguments: [id.rawValue]),
                try row.decode(String.self, forColumn: "status") == JobStatus.queued.rawValue
            else { return nil }
            let lane = try row.decode(String.self, forColumn: "lane")
            let priority = try row.decode(Int.self, forColumn: "priority")
            let seq = try row.decode(Int64.self, forColumn: "seq")
            let ahead =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM jobs
                        WHERE status = 'queued' AND lane = ? AND (priority > ? OR (priority = ? AND seq < ?))
                        """, arguments: [lane, priority, priority, seq]) ?? 0
            return ahead + 1
        }
    }

    public func queuedCount() async throws -> Int {
        try await database.read("counting queued jobs") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status = 'queued'") ?? 0
        }
    }

    public func lanesWithQueuedJobs() async throws -> Set<JobLane> {
        try await database.read("listing lanes with queued jobs") { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT lane FROM jobs WHERE status = 'queued'").map(JobLane.init(rawValue:)))
        }
    }

    /// Running jobs with attempts left go back to the queue at their place (progress and
    /// stage reset, problem kept); the others fail with `problem`. Both lists are in arrival order.
    public func recoverInterrupted(problem: JobProblem, at: Date) async throws
        -> (requeued: [JobRecord], failed: [JobRecord])
    {
        let problemJSON = try Self.json(problem)
        let finished = at.timeIntervalSince1970
        return try await database.write("recovering interrupted jobs") { db in
            let running = try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE status = 'running' ORDER BY seq")
                .map(Self.record)
            var requeued: [JobRecord] = []
            var failed: [JobRecord] = []
            for var job in running {
                if job.attempts < job.maxAttempts {
                    try db.execute(
                        sql: """
                            UPDATE jobs SET status = 'queued', progress = 0, stage = NULL WHERE id = ?
                            """, arguments: [job.id.rawValue])
                    job.status = .queued
                    job.progress = 0
                    job.stage = nil
                    requeued.append(job)
                } else {
                    try db.execute(
                        sql: """
                            UPDATE jobs SET status = 'failed', problem = ?, finished_at = ? WHERE id = ?
                            """, arguments: [problemJSON, finished, job.id.rawValue])
                    job.status = .failed
                    job.problem = problem
                    job.finishedAt = Date(timeIntervalSince1970: finished)
                    failed.append(job)
                }
            }
            return (requeued: requeued, failed: failed)
        }
    }

    /// Oldest first.
    public func finishedJobs(before date: Date, limit: Int) async throws -> [JobRecord] {
        let cutoff = date.timeIntervalSince1970
        return try await database.read("listing finished jobs") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM jobs
                    WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < ?
                    ORDER BY finished_at, seq LIMIT ?
                    """, arguments: [cutoff, max(0, limit)]
            ).map(Self.record)
        }
    }

    public func jobs(inBatch batchID: String) async throws -> [JobRecord] {
        try await database.read("listing a batch's jobs") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM jobs WHERE batch_id = ? ORDER BY batch_index, seq",
                arguments: [batchID]
            ).map(Self.record)
        }
    }

    public func checkWritable() async throws {
        try await database.checkWritable()
    }

    // MARK: - Rows

    private static func json(_ value: some Encodable) throws -> Data {
        try JSONEncoder().encode(value)
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, _ data: Data?) throws -> T? {
        guard let data else { return nil }
        return try JSONDecoder().decode(type, from: data)
    }

    private static func record(_ row: Row) throws -> JobRecord {
        let idText = try row.decode(String.self, forColumn: "id")
        let statusText = try row.decode(String.self, forColumn: "status")
        guard let id = JobID(idText), let status = JobStatus(rawValue: statusText),
            let payload = try decodeJSON(JobPayload.self, try row.decode(Data.self, forColumn: "payload"))
        else {
            throw StoreError.failed(operation: "reading a job", reason: "a stored job is malformed")
        }
        var job = JobRecord(
            id: id, payload: payload, lane: JobLane(rawValue: try row.decode(String.self, forColumn: "lane")),
            priority: try row.decode(Int.self, forColumn: "priority"),
            maxAttempts: try row.decode(Int.self, forColumn: "max_attempts"),
            createdAt: Date(timeIntervalSince1970: try row.decode(Double.self, forColumn: "created_at")),
            batchID: try row.decode(String?.self, forColumn: "batch_id"),
            batchIndex: try row.decode(Int?.self, forColumn: "batch_index"),
            owner: try row.decode(String?.self, forColumn: "owner"))
        job.status = status
        job.sequence = try row.decode(Int64.self, forColumn: "seq")
        job.attempts = try row.decode(Int.self, forColumn: "attempts")
        job.startedAt = try row.decode(Double?.self, forColumn: "started_at").map(Date.init(timeIntervalSince1970:))
        job.finishedAt = try row.decode(Double?.self, forColumn: "finished_at").map(Date.init(timeIntervalSince1970:))
        job.progress = try row.decode(Double.self, forColumn: "progress")
        job.stage = try row.decode(String?.self, forColumn: "stage").flatMap(JobStage.init(rawValue:))
        job.result = try decodeJSON(JobResult.self, try row.decode(Data?.self, forColumn: "result"))
        job.problem = try decodeJSON(JobProblem.self, try row.decode(Data?.self, forColumn: "problem"))
        return job
    }
}
