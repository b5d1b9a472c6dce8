import Foundation

/// Turns one file's byte counts into `PullProgress` for the whole model, with speed and
/// time left, at most ten times a second (and always for the last byte).
final class ProgressMeter: @unchecked Sendable {
    private let lock = NSLock()
    private let model: String
    private let position: (index: Int, count: Int)
    private let file: String
    private let base: Int64
    private let total: Int64
    private let report: @Sendable (PullProgress) -> Void
    private var meter = TransferMeter()
    private var lastReport: TimeInterval = 0

    init(
        model: String, position: (index: Int, count: Int), file: String, base: Int64, total: Int64,
        report: @escaping @Sendable (PullProgress) -> Void
    ) {
        self.model = model
        self.position = position
        self.file = file
        self.base = base
        self.total = total
        self.report = report
    }

    /// `bytes` of the file are done.
    func update(_ bytes: Int64, phase: PullPhase) {
        let now = ProcessInfo.processInfo.systemUptime
        let done = base + bytes
        let snapshot: PullProgress? = lock.withLock {
            meter.record(bytes: done, at: now)
            guard now - lastReport >= 0.1 || done >= total else { return nil }
            lastReport = now
            return PullProgress(
                model: model, index: position.index, count: position.count, phase: phase, file: file, bytesDone: done,
                bytesTotal: total, bytesPerSecond: meter.bytesPerSecond, etaSeconds: meter.secondsLeft(total: total))
        }
        if let snapshot { report(snapshot) }
    }
}
