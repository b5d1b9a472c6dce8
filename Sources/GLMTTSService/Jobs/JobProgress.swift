/// How far a running job has come: what a `JobReporter` call carries into a progress event.
public struct JobProgress: Sendable, Equatable {
    /// The stage the job is in.
    public var stage: JobStage
    /// Fraction of the whole job done, 0…1.
    public var fraction: Double
    /// The sentence being worked on (1-based), when the work goes sentence by sentence.
    public var sentence: Int?
    /// How many sentences there are, with `sentence`.
    public var sentenceCount: Int?
    /// Plain-language detail ("decoding the audio").
    public var detail: String?

    public init(stage: JobStage, fraction: Double, sentence: Int? = nil, sentenceCount: Int? = nil, detail: String? = nil) {
        self.stage = stage
        self.fraction = fraction
        self.sentence = sentence
        self.sentenceCount = sentenceCount
        self.detail = detail
    }
}
