import Foundation
import GLMTTSEngine
import PostgresNIO

/// `JobStore` in PostgreSQL (`PostgresServiceDatabase`), the store that several nodes can
/// share. Every method is one statement or one transaction; the claim is a single
/// `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)`, so two claimers never get the same job
/// and never wait for each other, and it stamps the attempt's lease (owner and a fresh token).
/// Finishing, requeuing and progress only touch a job that is still `running`.
///
/// Times are seconds since 1970 (`double precision`, exact round trips, as in
/// `SQLiteJobStore`); payload, result, problem and events are JSON in `bytea`.
public final class PostgresJobStore: JobStore {
    private let database: PostgresServiceDatabase
    /// This process's name in leases (`lease_owner`).
    public let node: String

    /// A store in `database`; `node` names this process in the leases it takes.
    public init(database: PostgresServiceDatabase, node: String) {
        self.database = database
        self.node = node
    }

    public func insert(_ job: JobRecord) async throws -> JobRecord {
        try await insert([job])[0]
    }

    public func insert(_ jobs: [JobRecord]) async throws -> [JobRecord] {
        if jobs.isEmpty { return [] }
        let encoded = try jobs.map { job in (job, try Self.json(job.payload), try job.result.map(Self.json), try job.problem.map(Self.json))
        }
        return try await database.transaction(jobs.count == 1 ? "saving a job" : "saving a batch of jobs") { connection in
            var stored: [JobRecord] = []
            stored.reserveCapacity(encoded.count)
            for (var job, payload, result, problem) in encoded {
                let rows = try await connection.query(
                    """
                    INSERT INTO jobs (id, kind, state, lane, priority, seq, payload, attempts, max_attempts, created_at, run_at,
                                      started_at, finished_at, progress, stage, result, problem, batch_id, batch_index, owner)
                    VALUES (\(job.id.rawValue), \(job.kind.rawValue), \(job.status.rawValue), \(job.lane.rawValue), \(job.priority),
                            nextval('job_seq'), \(payload), \(job.attempts), \(job.maxAttempts), \(job.createdAt.timeIntervalSince1970),
                            \(job.createdAt.timeIntervalSince1970), \(job.startedAt?.timeIntervalSince1970),
                            \(job.finishedAt?.timeIntervalSince1970), \(job.progress), \(job.stage?.rawValue), \(result), \(problem),
                            \(job.batchID), \(job.batchIndex), \(job.owner))
                    RETURNING seq
                    """, logger: PostgresSchema.logger)
                for try await seq in rows.decode(Int64.self) { job.sequence = seq }
                stored.append(job)
            }
            return stored
        }
    }

    public func job(_ id: JobID) async throws -> JobRecord? {
        try await records("reading a job", "SELECT * FROM jobs WHERE id = \(id.rawValue)").first
    }

    public func claimNext(lane: JobLane, now: Date) async throws -> JobRecord? {
        let started = now.timeIntervalSince1970
        return try await records(
            "claiming a job",
            """
            UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, started_at = \(started), lease_owner = \(node),
                            lease_token = nextval('lease_tokens'), lease_expires_at = NULL
            FROM (SELECT id FROM jobs WHERE state = 'queued' AND lane = \(lane.rawValue) AND run_at <= \(started)
                  ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED) AS next
            WHERE jobs.id = next.id
            RETURNING jobs.*
            """
        ).first
    }

    public func updateProgress(_ id: JobID, progress: Double, stage: JobStage?) async throws {
        try await execute(
            "recording a job's progress",
            "UPDATE jobs SET progress = \(progress), stage = \(stage?.rawValue) WHERE id = \(id.rawValue) AND state = 'running'")
    }

    /// Moves the job to `status` (which must be final) with its result or problem; a job
    /// that is already final is left as it is. A completed job's progress becomes 1.
    public func finish(_ id: JobID, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws {
        guard status.isFinal else {
            throw StoreError.failed(operation: "finishing a job", reason: "'\(status.rawValue)' is not a final status")
        }
        let resultJSON = try result.map(Self.json)
        let problemJSON = try problem.map(Self.json)
        try await execute(
            "finishing a job",
            """
            UPDATE jobs SET state = \(status.rawValue), result = \(resultJSON), problem = \(problemJSON),
                            finished_at = \(at.timeIntervalSince1970),
                            progress = CASE WHEN \(status == .completed) THEN 1 ELSE progress END,
                            lease_owner = NULL, lease_expires_at = NULL
            WHERE id = \(id.rawValue) AND state IN ('queued', 'running')
            """)
    }

    public func requeue(_ id: JobID, problem: JobProblem) async throws {
        let problemJSON = try Self.json(problem)
        try await execute(
            "putting a job back in the queue",
            """
            UPDATE jobs SET state = 'queued', progress = 0, stage = NULL, problem = \(problemJSON), lease_owner = NULL,
                            lease_expires_at = NULL
            WHERE id = \(id.rawValue) AND state = 'running'
            """)
    }

    public func cancelIfQueued(_ id: JobID, at: Date) async throws -> Bool {
        let problemJSON = try Self.json(JobProblem.cancelled)
        let changed = try await records(
            "cancelling a job",
            """
            UPDATE jobs SET state = 'cancelled', finished_at = \(at.timeIntervalSince1970), problem = \(problemJSON)
            WHERE id = \(id.rawValue) AND state = 'queued' RETURNING *
            """)
        return !changed.isEmpty
    }

    public func delete(_ id: JobID) async throws {
        try await execute("deleting a job", "DELETE FROM jobs WHERE id = \(id.rawValue)")
    }

    /// Stores `event` under its own `sequence` (the caller numbers events, see
    /// `ProgressHub`); fails when the job does not exist or the number is taken.
    public func appendEvent(_ event: JobEvent) async throws {
        let body = try Self.json(event)
        try await execute(
            "saving a job event",
            "INSERT INTO job_events (job_id, seq, body) VALUES (\(event.jobID.rawValue), \(event.sequence), \(body))")
    }

    public func events(for id: JobID) async throws -> [JobEvent] {
        try await database.run("reading a job's events") { client in
            let decoder = JSONDecoder()
            var events: [JobEvent] = []
            for try await body in try await client.query("SELECT body FROM job_events WHERE job_id = \(id.rawValue) ORDER BY seq")
                .decode(Data.self)
            {
                events.append(try decoder.decode(JobEvent.self, from: body))
            }
            return events
        }
    }

    public func queuePosition(of id: JobID) async throws -> Int? {
        try await count(
            "reading a job's queue position",
            """
            SELECT CASE WHEN mine.state = 'queued' THEN
                     (SELECT COUNT(*) FROM jobs AS other
                      WHERE other.state = 'queued' AND other.lane = mine.lane
                        AND (other.priority > mine.priority OR (other.priority = mine.priority AND other.seq < mine.seq))) + 1
                   END
            FROM jobs AS mine WHERE mine.id = \(id.rawValue)
            """)
    }

    public func queuedCount() async throws -> Int {
        try await count("counting queued jobs", "SELECT COUNT(*) FROM jobs WHERE state = 'queued'") ?? 0
    }

    public func lanesWithQueuedJobs() async throws -> Set<JobLane> {
        try await database.run("listing lanes with queued jobs") { client in
            var lanes = Set<JobLane>()
            for try await lane in try await client.query("SELECT DISTINCT lane FROM jobs WHERE state = 'queued'").decode(String.self) {
                lanes.insert(JobLane(rawValue: lane))
            }
            return lanes
        }
    }

    /// Running jobs with attempts left go back to the queue at their place (progress and
    /// stage reset, problem kept); the others fail with `problem`. Both lists are in arrival
    /// order. One node per database (`PostgresNodeLock`) until leases are renewed by
    /// heartbeats, so every running job is this node's.
    public func recoverInterrupted(problem: JobProblem, at: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord]) {
        let problemJSON = try Self.json(problem)
        let finished = at.timeIntervalSince1970
        let requeued = try await records(
            "recovering interrupted jobs",
            """
            UPDATE jobs SET state = 'queued', progress = 0, stage = NULL, lease_owner = NULL, lease_expires_at = NULL
            WHERE state = 'running' AND attempts < max_attempts RETURNING *
            """)
        let failed = try await records(
            "recovering interrupted jobs",
            """
            UPDATE jobs SET state = 'failed', problem = \(problemJSON), finished_at = \(finished), lease_owner = NULL,
                            lease_expires_at = NULL
            WHERE state = 'running' RETURNING *
            """)
        return (requeued.sorted { $0.sequence < $1.sequence }, failed.sorted { $0.sequence < $1.sequence })
    }

    /// Oldest first.
    public func finishedJobs(before date: Date, limit: Int) async throws -> [JobRecord] {
        try await records(
            "listing finished jobs",
            """
            SELECT * FROM jobs WHERE state IN ('completed', 'failed', 'cancelled') AND finished_at < \(date.timeIntervalSince1970)
            ORDER BY finished_at, seq LIMIT \(max(0, limit))
            """)
    }

    public func jobs(inBatch batchID: String) async throws -> [JobRecord] {
        try await records("listing a batch's jobs", "SELECT * FROM jobs WHERE batch_id = \(batchID) ORDER BY batch_index, seq")
    }

    public func checkWritable() async throws {
        try await database.checkWritable()
    }

    // MARK: - Statements and rows

    private func execute(_ operation: String, _ query: PostgresQuery) async throws {
        try await database.run(operation) { client in _ = try await client.query(query) }
    }

    private func records(_ operation: String, _ query: PostgresQuery) async throws -> [JobRecord] {
        try await database.run(operation) { client in
            var records: [JobRecord] = []
            for try await row in try await client.query(query) { records.append(try Self.record(row.makeRandomAccess())) }
            return records
        }
    }

    /// The first column of the first row as a count (nil: no row, or NULL).
    private func count(_ operation: String, _ query: PostgresQuery) async throws -> Int? {
        try await database.run(operation) { client in
            var value: Int?
            for try await count in try await client.query(query).decode(Int?.self) { value = count }
            return value
        }
    }

    private static func json(_ value: some Encodable) throws -> Data {
        try JSONEncoder().encode(value)
    }

    private static func record(_ row: PostgresRandomAccessRow) throws -> JobRecord {
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T { try row[name].decode(T.self) }
        let decoder = JSONDecoder()
        guard let id = JobID(try value("id", String.self)), let status = JobStatus(rawValue: try value("state", String.self)) else {
            throw StoreError.failed(operation: "reading a job", reason: "a stored job is malformed")
        }
        var job = JobRecord(
            id: id, payload: try decoder.decode(JobPayload.self, from: try value("payload", Data.self)),
            lane: JobLane(rawValue: try value("lane", String.self)), priority: try value("priority", Int.self),
            maxAttempts: try value("max_attempts", Int.self), createdAt: Date(timeIntervalSince1970: try value("created_at", Double.self)),
            batchID: try value("batch_id", String?.self), batchIndex: try value("batch_index", Int?.self),
            owner: try value("owner", String?.self))
        job.status = status
        job.sequence = try value("seq", Int64.self)
        job.attempts = try value("attempts", Int.self)
        job.startedAt = try value("started_at", Double?.self).map(Date.init(timeIntervalSince1970:))
        job.finishedAt = try value("finished_at", Double?.self).map(Date.init(timeIntervalSince1970:))
        job.progress = try value("progress", Double.self)
        job.stage = try value("stage", String?.self).flatMap(JobStage.init(rawValue:))
        job.result = try value("result", Data?.self).map { try decoder.decode(JobResult.self, from: $0) }
        job.problem = try value("problem", Data?.self).map { try decoder.decode(JobProblem.self, from: $0) }
        return job
    }
}
