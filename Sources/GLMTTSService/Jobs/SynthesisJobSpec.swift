import GLMTTSEngine

/// A synthesis request as the queue stores it: everything needed to run it again after a
/// restart. The reference clip itself is a blob named after the job (see `BlobKey`).
public struct SynthesisJobSpec: Sendable, Codable, Equatable {
    /// Text to speak, validated and cleaned when the request was taken.
    public var text: SpeechText
    /// Synthesizer model id; nil means the default voice.
    public var model: String?
    /// A saved voice (from the voice library) to clone; nil when a clip was uploaded or none.
    public var savedVoiceID: String?
    /// Whether a reference clip was uploaded with the job.
    public var hasUploadedReference: Bool
    /// Transcript of the reference clip, if the client gave one.
    public var referenceText: String?
    /// Synthesis knobs.
    public var parameters: SynthesisParameters
    /// Encoding of the result.
    public var format: OutputFormat
    /// Do not transcribe a reference clip that comes without its text.
    public var skipTranscription: Bool
    /// Fail instead of speaking in a stock voice when the engine cannot clone.
    public var requireClone: Bool
    /// The language the caller says the text is in; nil means detect it.
    public var language: String?
    /// Speak with the built-in voice closest to the reference clip (nil, from jobs stored
    /// before this field existed, means false).
    public var voiceMatch: Bool?
    /// Verify every sentence with these thresholds; nil does not verify.
    public var verification: VerificationThresholds?

    public init(
        text: SpeechText, model: String? = nil, savedVoiceID: String? = nil, hasUploadedReference: Bool = false,
        referenceText: String? = nil, parameters: SynthesisParameters = SynthesisParameters(),
        format: OutputFormat = .wav, skipTranscription: Bool = false, requireClone: Bool = false,
        language: String? = nil, voiceMatch: Bool = false, verification: VerificationThresholds? = nil
    ) {
        self.verification = verification
        self.language = language
        self.voiceMatch = voiceMatch
        self.text = text
        self.model = model
        self.savedVoiceID = savedVoiceID
        self.hasUploadedReference = hasUploadedReference
        self.referenceText = referenceText
        self.parameters = parameters
        self.format = format
        self.skipTranscription = skipTranscription
        self.requireClone = requireClone
    }
}
