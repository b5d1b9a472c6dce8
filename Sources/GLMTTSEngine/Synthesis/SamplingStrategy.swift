/// Trade-off between speed and quality, as the reference product exposes it.
///
/// Engines map it to what they really have (flow-matching steps for ZipVoice and
/// GLM-TTS); engines without such a knob report it as ignored.
public enum SamplingStrategy: String, Sendable, Codable, CaseIterable {
    case fast, balanced, quality
}
