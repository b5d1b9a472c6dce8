/// What one `glmtts serve` process does in a deployment of many (`--role`, `GLMTTS_ROLE`).
/// Only `all` works with the SQLite store; `api` and `worker` need a shared store
/// (`GLMTTS_STORE=postgres://…`), which is where they meet.
package enum ServerRole: String, Sendable, Equatable, CaseIterable {
    /// The API and the job runs in one process (the default; a single node).
    case all
    /// The HTTP, Wyoming and MCP APIs; queues jobs and follows them, runs none.
    case api
    /// Claims and runs jobs; answers only /health, /ready and /metrics over HTTP.
    case worker

    /// Whether this process claims and runs jobs.
    package var runsJobs: Bool { self != .api }

    /// Whether this process serves the APIs (not only health, readiness and metrics).
    package var servesAPI: Bool { self != .worker }
}
