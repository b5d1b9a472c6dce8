import Foundation
import GLMTTSEngine

#if canImport(Glibc)
    import Glibc
#endif

/// One pull of a model at a time across processes: an exclusive `flock` on
/// `<models>/.pull/locks/<id>.lock`. A second pull of the same model waits for the first
/// (polling, so it can be cancelled) and then finds the model installed.
public final class PullLock: @unchecked Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Takes the lock of model `id` (a safe catalogue id), waiting while another process
    /// holds it; `waiting` is called once if it has to wait. Throws `CancellationError` when
    /// the task is cancelled while waiting.
    public static func acquire(id: String, in cache: DownloadCache, waiting: () -> Void = {}) async throws -> PullLock {
        let path = cache.locks.appendingPathComponent(id + ".lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw ModelError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw ModelError.writeFailed(path: path, reason: reason)
            }
            if !told {
                waiting()
                told = true
            }
            do {
                try await Task.sleep(nanoseconds: 200_000_000)
            } catch {
                close(fd)
                throw error
            }
        }
        return PullLock(descriptor: fd)
    }
}
