import Foundation

/// Everything one synthesis job needs, as a client states it (CLI or the job queue).
public struct SynthesisJob: Sendable {
    /// Text to speak, validated and cleaned by the surface that took it.
    public var text: SpeechText
    /// Voice (model id); nil picks the registry's default.
    public var voiceID: String?
    /// Reference clip bytes in any supported format, for cloning.
    public var referenceAudio: Data?
    /// Transcript of the reference clip.
    public var referenceText: String?
    /// Synthesis knobs.
    public var parameters: SynthesisParameters
    /// Encoding of the result.
    public var outputFormat: OutputFormat
    /// Normalise loudness to `targetLoudness` LUFS (on by default).
    public var normalizeLoudness: Bool
    /// Integrated loudness target in LUFS.
    public var targetLoudness: Double
    /// Fail instead of answering in a stock voice when the engine cannot clone.
    public var requireClone: Bool
    /// Do not transcribe a reference clip that comes without its text.
    public var skipTranscription: Bool
    /// The language the caller says the text is in; nil means detect it per sentence.
    public var language: String?
    /// With a reference clip and no voice named, speak with the built-in voice closest to the
    /// clip (by speaker embedding) when the chosen engine cannot clone.
    public var voiceMatch: Bool
    /// Verify every sentence with these thresholds (transcribe, score, retake what fails);
    /// nil does not verify.
    public var verification: VerificationThresholds?

    public init(
        text: SpeechText, voiceID: String? = nil, referenceAudio: Data? = nil, referenceText: String? = nil,
        parameters: SynthesisParameters = SynthesisParameters(), outputFormat: OutputFormat = .wav,
        normalizeLoudness: Bool = true, targetLoudness: Double = -16, requireClone: Bool = false,
        skipTranscription: Bool = false, language: String? = nil, voiceMatch: Bool = false,
        verification: VerificationThresholds? = nil
    ) {
        self.verification = verification
        self.language = language
        self.voiceMatch = voiceMatch
        self.text = text
        self.voiceID = voiceID
        self.referenceAudio = referenceAudio
        self.referenceText = referenceText
        self.parameters = parameters
        self.outputFormat = outputFormat
        self.normalizeLoudness = normalizeLoudness
        self.targetLoudness = targetLoudness
        self.requireClone = requireClone
        self.skipTranscription = skipTranscription
    }
}
