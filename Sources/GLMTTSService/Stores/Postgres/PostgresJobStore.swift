import Foundation
import GLMTTSEngine
import PostgresNIO

/// `JobStore` in PostgreSQL (`PostgresServiceDatabase`), the store that several nodes can
/// share. Every method is one statement or one transaction; the claim is a single
/// `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)`, so two claimers never get the same job
/// and never wait for each other, and it stamps the attempt's lease: owner, a fresh token from
/// a sequence, and an expiry `leaseSeconds` ahead that the node's heartbeat keeps pushing
/// (`renewLeases`). Progress, events and the end of a run are fenced by that token: once the
/// lease is lost (rescued by any node after it expired, `rescueExpiredLeases`), the late run
/// changes nothing. Events are numbered by the job's row (`event_seq`) in the statement that
/// inserts them, so events from several nodes form one gap-free sequence per job.
///
/// Times are seconds since 1970 (`double precision`, exact round trips, as in
/// `SQLiteJobStore`); payload, result, problem and events are JSON in `bytea`.
public final class PostgresJobStore: JobStore {
    // Internal rather than private where PostgresJobStore+Leases.swift uses it too.
    let database: PostgresServiceDatabase
    /// This process's name in leases (`lease_owner`).
    public let node: String
    /// How long a lease lasts without a heartbeat, seconds.
    public let leaseSeconds: Double

    /// A store in `database`; `node` names this process in the leases it takes, which last
    /// `leaseSeconds` unless renewed.
    public init(database: PostgresServiceDatabase, node: String, leaseSeconds: Double = 15) {
        self.database = database
        self.node = node
        self.leaseSeconds = max(1, leaseSeconds)
    }

    public var isShared: Bool { true }

    /// The database's notifications through this node's own LISTEN connection
    /// (`PostgresNotificationListener`); nil with `listen=off`.
    public func wakeUps() -> AsyncStream<StoreWakeUp>? {
        guard database.location.listens else { return nil }
        return PostgresNotificationListener(database: database).wakeUps()
    }

    /// Two statements and no transaction: the job's place in the queue (counted before it
    /// arrives: it is last among those of its priority, give or take jobs that other nodes
    /// queue or claim at the same moment), then one statement that stores the job with its
    /// arrival event.
    public func insert(_ job: JobRecord) async throws -> JobRecord {
        try await database.run("saving a job") { client in
            try await Self.insert(job) { query in try await client.query(query) }
        }
    }

    public func insert(_ jobs: [JobRecord]) async throws -> [JobRecord] {
        if jobs.isEmpty { return [] }
        if jobs.count == 1 { return [try await insert(jobs[0])] }
        return try await database.transaction("saving a batch of jobs") { connection in
            var stored: [JobRecord] = []
            stored.reserveCapacity(jobs.count)
            for job in jobs {
                stored.append(try await Self.insert(job) { query in try await connection.query(query, logger: PostgresSchema.logger) })
            }
            return stored
        }
    }

    /// Stores `job` (and, when it is queued, its arrival event as event 1) through `run`.
    private static func insert(_ job: JobRecord, run: (PostgresQuery) async throws -> PostgresRowSequence) async throws -> JobRecord {
        var stored = job
        var arrival: Data?
        if job.status == .queued {
            var ahead = 0
            for try await count in try await run(
                "SELECT count(*) FROM jobs WHERE state = 'queued' AND lane = \(job.lane.rawValue) AND priority >= \(job.priority)"
            ).decode(Int.self) { ahead = count }
            arrival = try json(JobEvent.arrival(of: job.id, position: ahead + 1))
        }
        for try await seq in try await run(try insertion(of: job, arrival: arrival)).decode(Int64.self) { stored.sequence = seq }
        return stored
    }

    /// The INSERT of `job` with its arrival event (`arrival`, when given), returning the job's
    /// arrival number.
    private static func insertion(of job: JobRecord, arrival: Data?) throws -> PostgresQuery {
        let (payload, result, problem) = (try json(job.payload), try job.result.map(json), try job.problem.map(json))
        return try """
        WITH job AS (
            INSERT INTO jobs (id, kind, state, lane, priority, seq, payload, attempts, max_attempts, created_at, run_at,
                              started_at, finished_at, progress, stage, result, problem, batch_id, batch_index, owner, event_seq)
            VALUES (\(job.id.rawValue), \(job.kind.rawValue), \(job.status.rawValue), \(job.lane.rawValue), \(job.priority),
                    nextval('job_seq'), \(payload), \(job.attempts), \(job.maxAttempts), \(job.createdAt.timeIntervalSince1970),
                    \(job.createdAt.timeIntervalSince1970), \(job.startedAt?.timeIntervalSince1970),
                    \(job.finishedAt?.timeIntervalSince1970), \(job.progress), \(job.stage?.rawValue), \(result), \(problem),
                    \(job.batchID), \(job.batchIndex), \(job.owner), \(arrival == nil ? 0 : 1))
            RETURNING id, seq),
        arrival AS (
            INSERT INTO job_events (job_id, seq, body) SELECT id, 1, \(arrival) FROM job WHERE \(arrival)::bytea IS NOT NULL)
        SELECT seq FROM job
        """
    }

    public func job(_ id: JobID) async throws -> JobRecord? {
        try await records("reading a job", "SELECT * FROM jobs WHERE id = \(id.rawValue)").first
    }

    public func claimNext(lane: JobLane, now: Date) async throws -> JobRecord? {
        try await claim(lane: lane, upTo: 1, now: now).first
    }

    /// One statement for all of them, each with a lease token of its own.
    public func claim(lane: JobLane, upTo count: Int, now: Date) async throws -> [JobRecord] {
        guard count > 0 else { return [] }
        let started = now.timeIntervalSince1970
        return try await records(
            count == 1 ? "claiming a job" : "claiming jobs",
            """
            UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, started_at = \(started), lease_owner = \(node),
                            lease_token = nextval('lease_tokens'), lease_expires_at = \(started + leaseSeconds),
                            cancel_requested = false
            FROM (SELECT id FROM jobs WHERE state = 'queued' AND lane = \(lane.rawValue) AND run_at <= \(started)
                  ORDER BY priority DESC, seq LIMIT \(count) FOR UPDATE SKIP LOCKED) AS next
            WHERE jobs.id = next.id
            RETURNING jobs.*
            """
        ).sorted { ($0.priority, -$0.sequence) > ($1.priority, -$1.sequence) }
    }

    public func updateProgress(_ id: JobID, lease: Int64?, progress: Double, stage: JobStage?) async throws {
        try await execute(
            "recording a job's progress",
            """
            UPDATE jobs SET progress = \(progress), stage = \(stage?.rawValue)
            WHERE id = \(id.rawValue) AND state = 'running' AND (\(lease)::bigint IS NULL OR lease_token = \(lease))
            """)
    }

    /// Moves the job to `status` (which must be final) with its result or problem; a job
    /// that is already final is left as it is, and so is one whose run no longer holds
    /// `lease`. A completed job's progress becomes 1. The token and owner stay on the row:
    /// the run's own final event still passes the fence, and the row says which node ran it.
    public func finish(_ id: JobID, lease: Int64?, status: JobStatus, result: JobResult?, problem: JobProblem?, at: Date) async throws {
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
                            progress = CASE WHEN \(status == .completed) THEN 1 ELSE progress END, lease_expires_at = NULL
            WHERE id = \(id.rawValue) AND state IN ('queued', 'running')
              AND (\(lease)::bigint IS NULL OR (lease_token = \(lease) AND state = 'running'))
            """)
    }

    public func requeue(_ id: JobID, lease: Int64?, problem: JobProblem) async throws {
        let problemJSON = try Self.json(problem)
        try await execute(
            "putting a job back in the queue",
            """
            UPDATE jobs SET state = 'queued', progress = 0, stage = NULL, problem = \(problemJSON), lease_owner = NULL,
                            lease_token = NULL, lease_expires_at = NULL, cancel_requested = false
            WHERE id = \(id.rawValue) AND state = 'running' AND (\(lease)::bigint IS NULL OR lease_token = \(lease))
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

    /// Numbers and stores `event` in one statement: the job's row hands out the number and
    /// is closed by the final event, and with a `lease` the row must still carry that token.
    public func appendEvent(_ event: JobEvent, lease: Int64?) async throws -> JobEvent? {
        let body = try Self.json(event)  // its `sequence` is the column's, set when read
        let id = event.jobID.rawValue
        let numbers = try await database.run("saving a job event") { client in
            var numbers: [Int] = []
            let rows = try await client.query(
                """
                WITH next AS (
                    UPDATE jobs SET event_seq = event_seq + 1, events_closed = \(event.kind.isFinal)
                    WHERE id = \(id) AND NOT events_closed AND (\(lease)::bigint IS NULL OR lease_token = \(lease))
                    RETURNING event_seq)
                INSERT INTO job_events (job_id, seq, body) SELECT \(id), event_seq, \(body) FROM next RETURNING seq
                """)
            for try await seq in rows.decode(Int.self) { numbers.append(seq) }
            return numbers
        }
        guard let sequence = numbers.first else {
            if try await job(event.jobID) == nil {
                throw StoreError.failed(operation: "saving a job event", reason: "job \(event.jobID) does not exist")
            }
            return nil
        }
        var numbered = event
        numbered.sequence = sequence
        return numbered
    }

    public func events(for id: JobID, after sequence: Int) async throws -> [JobEvent] {
        try await database.run("reading a job's events") { client in
            let decoder = JSONDecoder()
            var events: [JobEvent] = []
            let rows = try await client.query(
                "SELECT seq, body FROM job_events WHERE job_id = \(id.rawValue) AND seq > \(sequence) ORDER BY seq")
            for try await (seq, body) in rows.decode((Int, Data).self) {
                var event = try decoder.decode(JobEvent.self, from: body)
                event.sequence = seq
                events.append(event)
            }
            return events
        }
    }

    /// One query for every followed job, however many.
    public func events(after cursors: [JobID: Int]) async throws -> [JobID: [JobEvent]] {
        if cursors.isEmpty { return [:] }
        let followed = Array(cursors)
        let ids = followed.map(\.key.rawValue)
        let afters = followed.map(\.value)
        return try await database.run("reading the events of followed jobs") { client in
            let decoder = JSONDecoder()
            var fresh: [JobID: [JobEvent]] = [:]
            let rows = try await client.query(
                """
                SELECT e.job_id, e.seq, e.body
                FROM job_events e JOIN unnest(\(ids)::text[], \(afters)::integer[]) AS cursor(job_id, after)
                     ON e.job_id = cursor.job_id AND e.seq > cursor.after
                ORDER BY e.job_id, e.seq
                """)
            for try await (jobID, seq, body) in rows.decode((String, Int, Data).self) {
                guard let id = JobID(jobID) else { continue }
                var event = try decoder.decode(JobEvent.self, from: body)
                event.sequence = seq
                fresh[id, default: []].append(event)
            }
            return fresh
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
            // A skip scan of the queued-jobs index: one probe per lane, however long the queue.
            let rows = try await client.query(
                """
                WITH RECURSIVE lanes (lane) AS (
                    SELECT min(lane) FROM jobs WHERE state = 'queued'
                    UNION ALL
                    SELECT (SELECT min(lane) FROM jobs WHERE state = 'queued' AND lane > lanes.lane) FROM lanes WHERE lane IS NOT NULL
                )
                SELECT lane FROM lanes WHERE lane IS NOT NULL
                """)
            for try await lane in rows.decode(String.self) {
                lanes.insert(JobLane(rawValue: lane))
            }
            return lanes
        }
    }

    public func nextDelayedRun(after now: Date) async throws -> Date? {
        let time = now.timeIntervalSince1970
        return try await database.run("reading when a delayed job is due") { client in
            var due: Double?
            for try await value in try await client.query(
                "SELECT min(run_at) FROM jobs WHERE state = 'queued' AND run_at > \(time)"
            ).decode(Double?.self) { due = value }
            return due.map(Date.init(timeIntervalSince1970:))
        }
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

    /// The fraction of the server's notification queue in use (`pg_notification_queue_usage`):
    /// it grows when a listener stops reading, and notifying statements fail once it is full.
    public func notificationQueueUsage() async throws -> Double {
        try await database.run("reading the notification queue's usage") { client in
            var usage = 0.0
            for try await value in try await client.query("SELECT pg_notification_queue_usage()").decode(Double.self) { usage = value }
            return usage
        }
    }

    public func checkWritable() async throws {
        try await database.checkWritable()
    }

    // MARK: - Statements and rows (internal where PostgresJobStore+Leases.swift uses them)

    func execute(_ operation: String, _ query: PostgresQuery) async throws {
        try await database.run(operation) { client in _ = try await client.query(query) }
    }

    func records(_ operation: String, _ query: PostgresQuery) async throws -> [JobRecord] {
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

    static func json(_ value: some Encodable) throws -> Data {
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
        job.leaseToken = try value("lease_token", Int64?.self)
        return job
    }
}
