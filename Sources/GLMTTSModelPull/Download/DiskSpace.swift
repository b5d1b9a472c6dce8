import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Free space of a file system.
public enum DiskSpace {
    /// Bytes an unprivileged process may still write on the file system holding `url`
    /// (the nearest existing folder above it), or nil when it cannot be read.
    public static func freeBytes(at url: URL) -> Int64? {
        var probe = url
        while !FileManager.default.fileExists(atPath: probe.path), probe.pathComponents.count > 1 {
            probe.deleteLastPathComponent()
        }
        var stats = statvfs()
        guard statvfs(probe.path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}
