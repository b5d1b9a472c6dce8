import Foundation
import GLMTTSEngine

/// The process's peak resident memory so far (`getrusage` max RSS).
public enum PeakMemory {
    /// Peak resident set size in bytes since the process started.
    public static func bytes() -> Int {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
            return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
            return Int(usage.ru_maxrss)  // bytes on macOS
        #endif
    }

    /// Peak resident set size (`VmHWM` in `/proc/<pid>/status`) of another process, bytes;
    /// nil when it cannot be read (not Linux, or the process is gone).
    public static func bytes(ofProcess pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }
}
