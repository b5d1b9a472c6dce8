import Foundation
import GLMTTSEngine
import PostgresNIO

/// The leases of runs on a shared store: renewal with the cancel requests it brings, cancels
/// asked for running jobs, the rescue of expired runs, recovery after this node restarts, and
/// the nodes table that every heartbeat reports to.
extension PostgresJobStore {
    /// One statement: pushes the expiry of every lease still held and returns those rows
    /// with their cancel requests; a lease not returned is lost.
    public func renewLeases(_ leases: [JobID: Int64], now: Date) async throws -> LeaseRenewal {
        if leases.isEmpty { return LeaseRenewal() }
        let held = Array(leases)
        let ids = held.map(\.key.rawValue)
        let tokens = held.map(\.value)
        let expires = now.timeIntervalSince1970 + leaseSeconds
        let kept = try await database.run("renewing leases") { client in
            var kept: [(String, Bool)] = []
            let rows = try await client.query(
                """
                UPDATE jobs SET lease_expires_at = \(expires)
                FROM unnest(\(ids)::text[], \(tokens)::bigint[]) AS held(id, token)
                WHERE jobs.id = held.id AND jobs.lease_token = held.token AND jobs.state = 'running'
                RETURNING jobs.id, jobs.cancel_requested
                """)
            for try await row in rows.decode((String, Bool).self) { kept.append(row) }
            return kept
        }
        var renewal = LeaseRenewal(lost: Set(leases.keys))
        for (id, cancel) in kept {
            guard let id = JobID(id) else { continue }
            renewal.lost.remove(id)
            if cancel { renewal.cancelRequested.insert(id) }
        }
        return renewal
    }

    public func requestCancel(_ id: JobID) async throws -> Bool {
        !(try await records(
            "asking for a job's cancel",
            "UPDATE jobs SET cancel_requested = true WHERE id = \(id.rawValue) AND state = 'running' RETURNING *"
        ).isEmpty)
    }

    /// Two statements, each taking expired runs that no other node is rescuing
    /// (`SKIP LOCKED`): back to the queue after a back-off of 2^attempts seconds (at most a
    /// minute) when attempts are left and nobody asked to cancel; the rest end — cancelled
    /// when somebody asked, else failed with `problem`. The second list holds those.
    public func rescueExpiredLeases(problem: JobProblem, now: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord]) {
        let problemJSON = try Self.json(problem)
        let cancelledJSON = try Self.json(JobProblem.cancelled)
        let time = now.timeIntervalSince1970
        let requeued = try await records(
            "rescuing expired runs",
            """
            UPDATE jobs SET state = 'queued', progress = 0, stage = NULL, problem = \(problemJSON),
                            run_at = \(time) + least(60, power(2, attempts)), lease_owner = NULL, lease_token = NULL,
                            lease_expires_at = NULL
            WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < \(time) AND attempts < max_attempts AND NOT cancel_requested
                         FOR UPDATE SKIP LOCKED)
            RETURNING *
            """)
        let ended = try await records(
            "rescuing expired runs",
            """
            UPDATE jobs SET state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'failed' END,
                            problem = CASE WHEN cancel_requested THEN \(cancelledJSON) ELSE \(problemJSON) END,
                            finished_at = \(time), lease_owner = NULL, lease_expires_at = NULL
            WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < \(time)
                         FOR UPDATE SKIP LOCKED)
            RETURNING *
            """)
        return (requeued.sorted { $0.sequence < $1.sequence }, ended.sorted { $0.sequence < $1.sequence })
    }

    /// This node's running jobs (its earlier process's: the same `node` name) with attempts
    /// left go back to the queue at their place (progress and stage reset, problem kept); the
    /// others fail with `problem`. Both lists are in arrival order. Other nodes' runs are
    /// theirs until their leases expire (`rescueExpiredLeases`).
    public func recoverInterrupted(problem: JobProblem, at: Date) async throws -> (requeued: [JobRecord], failed: [JobRecord]) {
        let problemJSON = try Self.json(problem)
        let finished = at.timeIntervalSince1970
        let requeued = try await records(
            "recovering interrupted jobs",
            """
            UPDATE jobs SET state = 'queued', progress = 0, stage = NULL, lease_owner = NULL, lease_token = NULL,
                            lease_expires_at = NULL
            WHERE state = 'running' AND lease_owner = \(node) AND attempts < max_attempts RETURNING *
            """)
        let failed = try await records(
            "recovering interrupted jobs",
            """
            UPDATE jobs SET state = 'failed', problem = \(problemJSON), finished_at = \(finished), lease_owner = NULL,
                            lease_expires_at = NULL
            WHERE state = 'running' AND lease_owner = \(node) RETURNING *
            """)
        return (requeued.sorted { $0.sequence < $1.sequence }, failed.sorted { $0.sequence < $1.sequence })
    }

    /// One statement: the report, and the rows of nodes silent for a day go.
    public func announce(_ status: NodeStatus) async throws {
        let slots = try Self.json(status.slots)
        let seen = status.seenAt.timeIntervalSince1970
        try await execute(
            "recording this node's report",
            """
            WITH gone AS (DELETE FROM nodes WHERE seen_at < \(seen - 86_400))
            INSERT INTO nodes (name, role, slots, running, started_at, seen_at)
            VALUES (\(node), \(status.role), \(slots), \(status.running), \(status.startedAt.timeIntervalSince1970), \(seen))
            ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, slots = EXCLUDED.slots, running = EXCLUDED.running,
                                             started_at = EXCLUDED.started_at, seen_at = EXCLUDED.seen_at
            """)
    }

    public func nodes(seenSince date: Date) async throws -> [NodeStatus] {
        try await database.run("listing the nodes") { client in
            let decoder = JSONDecoder()
            var nodes: [NodeStatus] = []
            let rows = try await client.query(
                """
                SELECT name, role, slots, running, started_at, seen_at FROM nodes
                WHERE seen_at >= \(date.timeIntervalSince1970) ORDER BY name
                """)
            for try await (name, role, slots, running, started, seen) in rows.decode((String, String, Data, Int, Double, Double).self) {
                nodes.append(
                    NodeStatus(
                        name: name, role: role, slots: try decoder.decode([String: Int].self, from: slots), running: running,
                        startedAt: Date(timeIntervalSince1970: started), seenAt: Date(timeIntervalSince1970: seen)))
            }
            return nodes
        }
    }

}
