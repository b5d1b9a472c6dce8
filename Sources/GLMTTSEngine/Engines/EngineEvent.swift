import Foundation

/// Something that happened to an engine, for metrics and logs: models loaded, swapped and
/// unloaded, worker processes started and lost.
public enum EngineEvent: Sendable, Equatable {
    /// Model `id` was loaded in `seconds` (`reload`: swapped in over a running instance).
    case modelLoaded(id: String, seconds: Double, reload: Bool)
    /// Model `id` failed to load (an old instance, if any, keeps serving).
    case modelLoadFailed(id: String)
    /// Model `id` was unloaded (`reason`: `admin`, `idle`, `removed`, `shutdown`).
    case modelUnloaded(id: String, reason: String)
    /// Worker process `name` became ready; `restart` when it is not its first start.
    case workerStarted(name: String, restart: Bool)
    /// Worker process `name` exited or was killed while it was wanted.
    case workerLost(name: String)
}

/// Receives `EngineEvent`s.
public typealias EngineEventSink = @Sendable (EngineEvent) -> Void
