import GLMTTSEngine

/// What a finished synthesis job produced (the audio is in the job's output files).
public struct SynthesisJobResult: Sendable, Codable, Equatable {
    /// Length of the audio, seconds.
    public var durationSeconds: Double
    /// Seconds spent in the engine.
    public var synthesisSeconds: Double
    /// Engine time ÷ audio duration.
    public var realTimeFactor: Double
    /// Encoding the client asked for.
    public var format: OutputFormat
    /// Sample rate of the stored audio.
    public var sampleRate: Int
    /// Size of the encoded audio in `format`, bytes.
    public var bytes: Int
    /// The synthesizer model that spoke.
    public var model: String
    /// Whether the output is in the reference voice.
    public var cloned: Bool
    /// Which parameters were applied or ignored, and why.
    public var parameterReport: ParameterReport
    /// Quality report of the reference clip, when one was used.
    public var referenceReport: ReferenceQualityReport?
    /// The reference transcript used.
    public var referenceText: String?
    /// Whether `referenceText` came from automatic transcription.
    public var referenceTextTranscribed: Bool
    /// Plain-language notes for the user.
    public var notes: [String]
    /// The languages of the text (primary codes, commonest first) the voice was chosen for.
    public var languages: [String]?
    /// Cosine similarity of the output voice to the reference clip's, when a clip was given.
    public var speakerSimilarity: Double?
    /// The built-in voice matched to the clip, when `voice_match` chose the voice.
    public var voiceMatch: VoiceMatch?
    /// Each chunk's text and its exact span in the audio (what captions are timed within);
    /// nil for jobs finished before spans were kept.
    public var sentences: [SpokenSentence]?
    /// Each sentence's verification, when the job asked for it.
    public var verification: [SentenceVerification]?

    public init(
        durationSeconds: Double, synthesisSeconds: Double, realTimeFactor: Double, format: OutputFormat,
        sampleRate: Int, bytes: Int, model: String, cloned: Bool, parameterReport: ParameterReport,
        referenceReport: ReferenceQualityReport?, referenceText: String?, referenceTextTranscribed: Bool,
        notes: [String], languages: [String]? = nil, speakerSimilarity: Double? = nil, voiceMatch: VoiceMatch? = nil,
        sentences: [SpokenSentence]? = nil, verification: [SentenceVerification]? = nil
    ) {
        self.verification = verification
        self.sentences = sentences
        self.languages = languages
        self.speakerSimilarity = speakerSimilarity
        self.voiceMatch = voiceMatch
        self.durationSeconds = durationSeconds
        self.synthesisSeconds = synthesisSeconds
        self.realTimeFactor = realTimeFactor
        self.format = format
        self.sampleRate = sampleRate
        self.bytes = bytes
        self.model = model
        self.cloned = cloned
        self.parameterReport = parameterReport
        self.referenceReport = referenceReport
        self.referenceText = referenceText
        self.referenceTextTranscribed = referenceTextTranscribed
        self.notes = notes
    }
}
