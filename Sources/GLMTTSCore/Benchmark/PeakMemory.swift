import Foundation

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
}
