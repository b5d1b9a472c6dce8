import Foundation
import GLMTTSModelPull

/// Shows a pull's progress: on a terminal a bar with bytes, speed and time left; elsewhere
/// (logs, pipes) one line on stderr each time a model changes phase.
final class PullLineReporter: @unchecked Sendable {
    // @unchecked Sendable: `last` is only touched under `lock`.
    private let lock = NSLock()
    private let terminal: Bool
    private var last: (model: String, phase: PullPhase)?

    init(terminal: Bool) {
        self.terminal = terminal
    }

    /// Reports `progress`.
    func report(_ progress: PullProgress, bar: ProgressBar) {
        let changed: Bool = lock.withLock {
            defer { last = (progress.model, progress.phase) }
            return last?.model != progress.model || last?.phase != progress.phase
        }
        let prefix = progress.count > 1 ? "[\(progress.index)/\(progress.count)] " : ""
        if terminal, progress.phase == .downloading || progress.phase == .verifying {
            bar.update(
                fraction: progress.bytesTotal > 0 ? Double(progress.bytesDone) / Double(progress.bytesTotal) : 0,
                label: prefix + Self.label(progress))
            return
        }
        guard changed else { return }
        bar.finish()
        printToStandardError(prefix + Self.label(progress))
    }

    /// `zh_CN-huayan-medium: downloading 12 MB of 63 MB, 4.2 MB/s, 12 s left`.
    static func label(_ progress: PullProgress) -> String {
        var text = "\(progress.model): \(progress.phase.rawValue)"
        switch progress.phase {
        case .downloading, .verifying:
            text += " \(ModelPullError.size(progress.bytesDone)) of \(ModelPullError.size(progress.bytesTotal))"
            if let speed = progress.bytesPerSecond, speed > 0 { text += ", \(ModelPullError.size(Int64(speed)))/s" }
            if let eta = progress.etaSeconds, eta.isFinite { text += ", \(Self.duration(eta)) left" }
        case .waiting: text += " for another pull of this model to finish"
        case .installing, .installed, .skipped: break
        }
        return text
    }

    private static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600) h \(s % 3600 / 60) min" : s >= 60 ? "\(s / 60) min \(s % 60) s" : "\(s) s"
    }
}
