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
    /// The language the caller says the text is in (any tag form); nil means detect it per sentence.
    public var language: String?

    public init(
        text: String, referenceAudio: AudioBuffer? = nil, referenceText: String? = nil,
        parameters: SynthesisParameters = SynthesisParameters(), language: String? = nil
    ) {
        self.language = language
        self.text = text
        self.referenceAudio = referenceAudio
        self.referenceText = referenceText
        self.parameters = parameters
    }
}
