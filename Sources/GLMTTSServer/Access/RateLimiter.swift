import Foundation

/// Per-client request budgets: requests per fixed one-minute window, and requests in
/// progress at once. Clients are keys (`key:<id>`) or addresses (`addr:<ip>`).
///
/// Everything is in memory: a restart starts fresh windows (the daily character quota,
/// which matters more, is in the database).
actor RateLimiter {
    /// The outcome of asking for one request.
    struct Decision: Sendable {
        /// Whether the request may go ahead.
        var allowed: Bool
        /// The window's limit (0: unlimited).
        var limit: Int
        /// Requests left in the window.
        var remaining: Int
        /// Seconds until the window resets.
        var resetSeconds: Int
    }

    private struct Window {
        var start: Date
        var count: Int
    }

    private var windows: [String: Window] = [:]
    private var inFlight: [String: Int] = [:]
    private let windowLength: Double = 60

    /// Counts one request of `client` against `limit` per minute (0: unlimited).
    func admit(_ client: String, limit: Int, now: Date = Date()) -> Decision {
        if windows.count > 50_000 { windows = windows.filter { now.timeIntervalSince($0.value.start) < windowLength } }
        var window = windows[client] ?? Window(start: now, count: 0)
        if now.timeIntervalSince(window.start) >= windowLength { window = Window(start: now, count: 0) }
        let reset = max(1, Int((window.start.addingTimeInterval(windowLength).timeIntervalSince(now)).rounded(.up)))
        guard limit > 0 else { return Decision(allowed: true, limit: 0, remaining: 0, resetSeconds: reset) }
        guard window.count < limit else {
            windows[client] = window
            return Decision(allowed: false, limit: limit, remaining: 0, resetSeconds: reset)
        }
        window.count += 1
        windows[client] = window
        return Decision(allowed: true, limit: limit, remaining: limit - window.count, resetSeconds: reset)
    }

    /// Marks one request of `client` as started, unless `cap` are already in progress.
    func enter(_ client: String, cap: Int) -> Bool {
        let current = inFlight[client, default: 0]
        guard current < cap else { return false }
        inFlight[client] = current + 1
        return true
    }

    /// Marks one request of `client` as finished.
    func leave(_ client: String) {
        let current = inFlight[client, default: 0]
        if current <= 1 { inFlight[client] = nil } else { inFlight[client] = current - 1 }
    }
}
