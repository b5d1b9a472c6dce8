/// What a synthesis engine can do; the CLI, API and UI read this instead of guessing.
public struct SynthesizerCapabilities: Sendable, Codable, Equatable {
    /// BCP-47-ish language codes the engine speaks (`en-US`, `cmn`, …).
    public var languages: [String]
    /// Output sample rate in Hz.
    public var sampleRate: Int
    /// Whether the engine clones a voice from reference audio (+ text).
    public var canClone: Bool
    /// Whether audio is produced incrementally (sentence by sentence) rather than at the end.
    public var streaming: Bool
    /// Parameters the engine really applies; all others are reported as ignored.
    public var honouredParameters: Set<SynthesisParameter>

    public init(
        languages: [String], sampleRate: Int, canClone: Bool, streaming: Bool,
        honouredParameters: Set<SynthesisParameter>
    ) {
        self.languages = languages
        self.sampleRate = sampleRate
        self.canClone = canClone
        self.streaming = streaming
        self.honouredParameters = honouredParameters
    }
}
