/// One thing to say: text, an optional reference voice, and parameters.
public struct SynthesisRequest: Sendable {
    /// The text to speak (already validated by `TextValidator`).
    public var text: String
    /// Reference clip for cloning engines (prepared: mono, trimmed).
    public var referenceAudio: AudioBuffer?
    /// Transcript of the reference clip.
    public var referenceText: String?
    /// Synthesis knobs.
    public var parameters: SynthesisParameters

    public init(text: String, referenceAudio: AudioBuffer? = nil, referenceText: String? = nil,
                parameters: SynthesisParameters = SynthesisParameters()) {
        self.text = text
        self.referenceAudio = referenceAudio
        self.referenceText = referenceText
        self.parameters = parameters
    }
}
