/// What `EngineRegistry.refresh()` did to each loaded model.
public struct ModelRefreshReport: Sendable {
    /// Models whose files changed and whose new instance now serves.
    public var reloaded: [String] = []
    /// Models whose files did not change.
    public var unchanged: [String] = []
    /// Models no longer installed, now unloaded.
    public var unloaded: [String] = []
    /// Models whose new files failed to load (the old instance keeps serving), with the reason.
    public var failed: [(id: String, detail: String)] = []

    public init() {}
}
