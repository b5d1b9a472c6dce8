import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema, one versioned migration per released change, applied in order at
/// open, each in its own transaction and recorded in `schema_migrations`. Concurrent starts
/// take turns on a transaction-level advisory lock, so a migration runs once.
///
/// Designed for the shared queue of many nodes (docs/ARCHITECTURE.md): jobs carry a lease
/// (owner, a token from `lease_tokens`, expiry) and a partial index serves the claim of
/// queued jobs; events have a global `id` (bigserial) beside their per-job `seq`, which the
/// job's row hands out (`event_seq`, and `events_closed` once the final event is in: version 2).
/// Triggers notify channel `glmtts` of claimable jobs, new events and cancel requests
/// (version 4), naming the sender (version 5); `nodes` holds each node's last report (version 6).
enum PostgresSchema {
    /// The advisory lock key of migrations ("glmtts" in ASCII, arbitrary but fixed).
    static let migrationLock: Int64 = 0x676C_6D74_7473

    /// (version, SQL) in order. Never edit a released one: add the next.
    static let migrations: [(Int, String)] = [
        (
            1,
            """
            CREATE TABLE jobs (
                id text PRIMARY KEY,
                kind text NOT NULL,
                state text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
                lane text NOT NULL,
                priority integer NOT NULL,
                seq bigint NOT NULL UNIQUE,
                payload bytea NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                max_attempts integer NOT NULL,
                created_at double precision NOT NULL,
                run_at double precision NOT NULL,
                started_at double precision,
                finished_at double precision,
                progress double precision NOT NULL DEFAULT 0,
                stage text,
                result bytea,
                problem bytea,
                batch_id text,
                batch_index integer,
                owner text,
                lease_owner text,
                lease_token bigint,
                lease_expires_at double precision,
                cancel_requested boolean NOT NULL DEFAULT false
            );
            CREATE SEQUENCE job_seq;
            CREATE SEQUENCE lease_tokens;
            CREATE INDEX jobs_queued ON jobs (lane, priority DESC, seq) WHERE state = 'queued';
            CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
            CREATE INDEX jobs_batch ON jobs (batch_id, batch_index) WHERE batch_id IS NOT NULL;
            CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('completed', 'failed', 'cancelled');
            CREATE INDEX jobs_owner ON jobs (owner, created_at);
            CREATE TABLE job_events (
                id bigserial PRIMARY KEY,
                job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                seq integer NOT NULL,
                body bytea NOT NULL,
                UNIQUE (job_id, seq)
            );
            CREATE TABLE voices (
                id text PRIMARY KEY,
                name text NOT NULL,
                created_at double precision NOT NULL,
                reference_text text,
                transcribed boolean NOT NULL DEFAULT false,
                quality bytea NOT NULL,
                owner text
            );
            CREATE INDEX voices_name ON voices (name);
            CREATE INDEX voices_owner ON voices (owner);
            CREATE TABLE health (
                id integer PRIMARY KEY CHECK (id = 1),
                checked_at double precision NOT NULL
            );
            """
        ),
        (
            2,
            """
            ALTER TABLE jobs ADD COLUMN event_seq integer NOT NULL DEFAULT 0;
            ALTER TABLE jobs ADD COLUMN events_closed boolean NOT NULL DEFAULT false;
            UPDATE jobs SET event_seq = COALESCE((SELECT max(seq) FROM job_events WHERE job_events.job_id = jobs.id), 0),
                            events_closed = state IN ('completed', 'failed', 'cancelled')
            """
        ),
        (
            3,
            """
            CREATE TABLE api_keys (
                id text PRIMARY KEY,
                name text NOT NULL,
                scopes text NOT NULL,
                secret_hash text NOT NULL,
                created_at double precision NOT NULL,
                revoked_at double precision,
                last_used_at double precision,
                rate_per_minute bigint,
                chars_per_day bigint
            );
            CREATE TABLE key_usage (
                key_id text NOT NULL,
                day text NOT NULL,
                characters bigint NOT NULL,
                PRIMARY KEY (key_id, day)
            )
            """
        ),
        (
            4,
            // Wake-ups for the nodes' LISTEN connections (`PostgresNotificationListener`),
            // sent by triggers, so at the commit of whatever statement made the change. A
            // function body keeps each of its statements on one line ("; " inside, never ";"
            // at a line's end), because migrations are split into statements at ";\n".
            """
            CREATE FUNCTION glmtts_notify_job() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
            IF NEW.state = 'queued' AND (TG_OP = 'INSERT' OR OLD.state <> 'queued') THEN PERFORM pg_notify('glmtts', 'q:' || NEW.lane); END IF; \
            IF TG_OP = 'UPDATE' AND NEW.cancel_requested AND NOT OLD.cancel_requested THEN PERFORM pg_notify('glmtts', 'c:' || NEW.id); END IF; \
            RETURN NULL; END $$;
            CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF state, cancel_requested ON jobs
                FOR EACH ROW EXECUTE FUNCTION glmtts_notify_job();
            CREATE FUNCTION glmtts_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
            PERFORM pg_notify('glmtts', 'e:' || NEW.job_id || ':' || NEW.seq); RETURN NULL; END $$;
            CREATE TRIGGER job_events_notify AFTER INSERT ON job_events FOR EACH ROW EXECUTE FUNCTION glmtts_notify_event()
            """
        ),
        (
            5,
            // The sender (the changing connection's application_name) in every notification,
            // so a node skips its own: `KIND:SENDER:…`.
            """
            CREATE OR REPLACE FUNCTION glmtts_notify_job() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
            IF NEW.state = 'queued' AND (TG_OP = 'INSERT' OR OLD.state <> 'queued') THEN PERFORM pg_notify('glmtts', 'q:' || current_setting('application_name') || ':' || NEW.lane); END IF; \
            IF TG_OP = 'UPDATE' AND NEW.cancel_requested AND NOT OLD.cancel_requested THEN PERFORM pg_notify('glmtts', 'c:' || current_setting('application_name') || ':' || NEW.id); END IF; \
            RETURN NULL; END $$;
            CREATE OR REPLACE FUNCTION glmtts_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
            PERFORM pg_notify('glmtts', 'e:' || current_setting('application_name') || ':' || NEW.job_id || ':' || NEW.seq); RETURN NULL; END $$
            """
        ),
        (
            6,
            """
            CREATE TABLE nodes (
                name text PRIMARY KEY,
                role text NOT NULL,
                slots bytea NOT NULL,
                running integer NOT NULL,
                started_at double precision NOT NULL,
                seen_at double precision NOT NULL
            )
            """
        ),
    ]

    /// Brings `database` up to date.
    static func migrate(_ database: PostgresServiceDatabase) async throws {
        try await database.transaction("preparing the database") { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: Self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at double precision NOT NULL)",
                logger: Self.logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: Self.logger)
                .decode(Int.self)
            {
                applied.insert(version)
            }
            for (version, sql) in migrations where !applied.contains(version) {
                for statement in sql.components(separatedBy: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(version), extract(epoch from now()))",
                    logger: Self.logger)
            }
        }
    }

    static let logger = Logger(label: "glmtts.postgres.schema")
}
