import Foundation

/// Whether a model is in memory, and which files it came from.
public struct ModelLoadState: Sendable, Equatable {
    /// The model id.
    public var id: String
    /// Its engine.
    public var engine: EngineKind
    /// Whether an instance is in memory (or loading).
    public var loaded: Bool
    /// Fingerprint of the loaded instance's files (`ModelRevision`).
    public var revision: String?
    /// When the instance was loaded.
    public var loadedAt: Date?
    /// How long the load took.
    public var loadSeconds: Double?
}
