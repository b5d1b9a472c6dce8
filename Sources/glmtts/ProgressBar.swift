import Foundation
import GLMTTSEngine

/// A one-line progress bar on stderr, drawn only when stderr is a terminal
/// (scripts and pipes get clean output).
final class ProgressBar: @unchecked Sendable {
    // @unchecked Sendable: `lastLine` is only touched under `lock`.
    private let lock = NSLock()
    private let enabled: Bool
    private var lastLine = ""
    private let width = 30

    /// A bar that draws only if stderr is a TTY and `quiet` is false.
    init(quiet: Bool = false) {
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Redraws the bar at `fraction` (0…1) with a label.
    func update(fraction: Double, label: String) {
        guard enabled else { return }
        let fraction = min(max(fraction, 0), 1)
        let filled = Int((fraction * Double(width)).rounded())
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\r\(bar) \(String(format: "%3.0f", fraction * 100))% \(label)"
        lock.lock()
        defer { lock.unlock() }
        guard line != lastLine else { return }
        let padding = String(repeating: " ", count: max(0, lastLine.count - line.count))
        FileHandle.standardError.write(Data((line + padding).utf8))
        lastLine = line
    }

    /// Clears the bar so the next output starts on a clean line.
    func finish() {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if !lastLine.isEmpty {
            FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: lastLine.count) + "\r").utf8))
        }
        lastLine = ""
    }
}
