import GLMTTSEngine
import ServiceLifecycle

/// Unloads synthesizers unused for `idleSeconds`, checking every quarter of that (at most
/// every minute), until graceful shutdown. Does nothing when `idleSeconds` is 0.
struct IdleModelUnloader: Service {
    let engines: EngineRegistry
    let idleSeconds: Double

    func run() async throws {
        guard idleSeconds > 0 else { return }
        let interval = min(60, max(1, idleSeconds / 4))
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(interval * 1000))) }
            } catch {
                return
            }
            _ = await engines.unloadIdle(for: .milliseconds(Int(idleSeconds * 1000)))
        }
    }
}
