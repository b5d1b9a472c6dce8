import Foundation

/// The result of a synthesis job.
public struct SynthesisOutput: Sendable {
    /// The final audio (normalised if asked), before encoding.
    public var audio: AudioBuffer
    /// The audio encoded in `format`.
    public var encoded: Data
    /// Encoding of `encoded`.
    public var format: OutputFormat
    /// The voice that spoke.
    public var voiceID: String
    /// Engine facts: parameter report, cloned or not, chunk count.
    public var summary: SynthesisSummary
    /// Quality report of the reference clip, when one was given.
    public var referenceReport: ReferenceQualityReport?
    /// The reference clip's text as used: given by the caller, or transcribed.
    public var referenceText: String?
    /// Whether `referenceText` came from automatic transcription.
    public var referenceTextTranscribed: Bool
    /// Plain-language notes for the user ("the voice was not cloned because …").
    public var notes: [String]
    /// Seconds spent in the engine (excludes decoding the reference and encoding).
    public var synthesisSeconds: Double
    /// The languages of the text (primary codes, commonest first) the voice was chosen for.
    public var languages: [String] = []
    /// Cosine similarity of the output voice to the reference clip's (when a clip was given
    /// and a speaker-embedding model is installed).
    public var speakerSimilarity: Double?
    /// The built-in voice matched to the clip, when `voice_match` chose the voice.
    public var voiceMatch: VoiceMatch?
    /// Each chunk's text and its exact span in `audio`, in order (one span of the whole text
    /// when the engine did not say what its chunks were).
    public var sentences: [SpokenSentence] = []
    /// Each sentence's verification, when the job asked for it.
    public var verification: [SentenceVerification]?
    /// The words' times, when verification heard them (so captions need no second pass).
    public var captions: Captions?

    /// Real-time factor of the engine: synthesis time ÷ audio duration (lower is faster).
    public var realTimeFactor: Double {
        audio.duration > 0 ? synthesisSeconds / audio.duration : 0
    }
}
