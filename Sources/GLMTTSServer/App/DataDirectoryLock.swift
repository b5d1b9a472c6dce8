import Foundation
import GLMTTSEngine

#if canImport(Glibc)
    import Glibc
#endif

/// One server process per data directory: an exclusive `flock` on `service/service.lock`,
/// held while the stores are open. A second `glmtts serve` or `glmtts mcp` on the same
/// directory would run the same queue twice (and take the other's running jobs for
/// interrupted ones), so it is refused at start with what to do instead. The kernel
/// releases the lock when the process ends, however it ends.
final class DataDirectoryLock: @unchecked Sendable {
    private let descriptor: Int32

    /// Takes the lock in `serviceRoot`; throws `ConfigurationError.unsafe` when another
    /// process holds it.
    init(serviceRoot: URL) throws {
        let path = serviceRoot.appendingPathComponent("service.lock").path
        // A read-only descriptor locks as well (for a data directory mounted read-only).
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard fd >= 0 else {
            throw ConfigurationError.unsafe(reason: "cannot open \(path): \(String(cString: strerror(errno))).")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ConfigurationError.unsafe(
                reason:
                    "another glmtts process (serve or mcp) is using the data directory \(serviceRoot.deletingLastPathComponent().path). Run one per data directory: connect MCP clients to that server's /mcp endpoint, or give this one its own GLMTTS_DATA_DIR."
            )
        }
        descriptor = fd
    }

    /// Gives the lock back (also done when the process ends).
    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
