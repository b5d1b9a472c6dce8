import Foundation

/// Speed and time left of a transfer: bytes per second over the last few seconds (so a
/// stall shows at once), and the remaining bytes at that speed.
public struct TransferMeter: Sendable {
    private var samples: [(time: TimeInterval, bytes: Int64)] = []
    private let window: TimeInterval

    /// A meter averaging over `window` seconds.
    public init(window: TimeInterval = 5) {
        self.window = window
    }

    /// Records that `bytes` were done in total at `time` (seconds, any monotonic origin).
    public mutating func record(bytes: Int64, at time: TimeInterval) {
        samples.append((time, bytes))
        while let first = samples.first, time - first.time > window, samples.count > 2 { samples.removeFirst() }
    }

    /// Bytes per second, or nil before two samples a moment apart.
    public var bytesPerSecond: Double? {
        guard let first = samples.first, let last = samples.last, last.time - first.time >= 0.2 else { return nil }
        return Double(last.bytes - first.bytes) / (last.time - first.time)
    }

    /// Seconds until `total` at the current speed, or nil when unknown.
    public func secondsLeft(total: Int64) -> Double? {
        guard let speed = bytesPerSecond, speed > 0, let done = samples.last?.bytes else { return nil }
        return Double(max(total - done, 0)) / speed
    }
}
