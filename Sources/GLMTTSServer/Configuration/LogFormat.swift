/// How log lines are written to standard error.
package enum LogFormat: String, Sendable, Equatable, CaseIterable {
    /// `2026-12-01T05:00:00Z info request request_id=… status=200` (human).
    case text
    /// One JSON object per line (for log shippers).
    case json
    /// `time=… level=info msg=request request_id=…` (key=value).
    case logfmt
}
