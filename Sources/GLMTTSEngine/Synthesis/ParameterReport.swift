/// What an engine did with each synthesis parameter: applied (and how), or ignored (and why).
///
/// Every synthesis result carries one, so nothing is silently ignored.
public struct ParameterReport: Sendable, Codable, Equatable {
    /// Parameters the engine applied, with a note on how ("noise_scale = 0.556").
    public var applied: [SynthesisParameter: String] = [:]
    /// Parameters the engine ignored, with the reason.
    public var ignored: [SynthesisParameter: String] = [:]

    public init(applied: [SynthesisParameter: String] = [:], ignored: [SynthesisParameter: String] = [:]) {
        self.applied = applied
        self.ignored = ignored
    }
}
