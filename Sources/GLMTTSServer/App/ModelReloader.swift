import GLMTTSEngine
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the models directory on every SIGHUP until graceful shutdown, and for the admin
/// API (`refresh(trigger:)`), logging what changed.
struct ModelReloader: Service {
    let engines: EngineRegistry
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = await refresh(trigger: "SIGHUP")
        }
    }

    /// Re-reads the models directory (`EngineRegistry.refresh`) and logs what happened,
    /// naming what asked for it (`SIGHUP`, `admin API`).
    func refresh(trigger: String) async -> ModelRefreshReport {
        let report = await engines.refresh()
        logger.notice(
            "\(trigger): models directory re-read",
            metadata: [
                "reloaded": "\(report.reloaded.joined(separator: ","))", "unchanged": "\(report.unchanged.joined(separator: ","))",
                "unloaded": "\(report.unloaded.joined(separator: ","))",
                "failed": "\(report.failed.map { "\($0.id): \($0.detail)" }.joined(separator: "; "))",
            ])
        return report
    }
}
