/// What a synthesis stream yields, in order: progress updates and audio chunks
/// (one per sentence for streaming engines), then exactly one `finished`.
public enum SynthesisEvent: Sendable {
    /// Progress moved on.
    case progress(SynthesisProgress)
    /// A piece of audio, in order; `index` counts chunks from 0. `text` is what the chunk
    /// says (a sentence, or the whole text), when the engine knows; nil when it does not.
    case chunk(index: Int, audio: AudioBuffer, text: String?)
    /// The synthesis completed; carries the parameter report.
    case finished(SynthesisSummary)
}

/// The closing facts of a synthesis.
public struct SynthesisSummary: Sendable, Equatable {
    /// Which parameters were applied or ignored, and why.
    public var parameterReport: ParameterReport
    /// Output sample rate.
    public var sampleRate: Int
    /// Whether the output is in the reference voice (false when the engine cannot clone).
    public var cloned: Bool
    /// Number of chunks yielded.
    public var chunkCount: Int

    public init(parameterReport: ParameterReport, sampleRate: Int, cloned: Bool, chunkCount: Int) {
        self.parameterReport = parameterReport
        self.sampleRate = sampleRate
        self.cloned = cloned
        self.chunkCount = chunkCount
    }
}
