/// Where a synthesis is: a stage and the fraction done (0…1).
public struct SynthesisProgress: Sendable, Equatable, Codable {
    /// Named stages a client can show.
    public enum Stage: String, Sendable, Codable {
        case loadingModel = "loading_model"
        case preparingText = "preparing_text"
        case preparingReference = "preparing_reference"
        case transcribing
        case synthesizing
        case encoding
        case done
    }

    /// Current stage.
    public var stage: Stage
    /// Fraction of the whole job finished, 0…1.
    public var fraction: Double
    /// Optional detail ("sentence 3 of 10").
    public var detail: String?
    /// Sentences finished so far, when the engine works sentence by sentence.
    public var sentence: Int?
    /// Number of sentences, when the engine works sentence by sentence.
    public var sentenceCount: Int?

    public init(stage: Stage, fraction: Double, detail: String? = nil, sentence: Int? = nil, sentenceCount: Int? = nil) {
        self.stage = stage
        self.fraction = min(max(fraction, 0), 1)
        self.detail = detail
        self.sentence = sentence
        self.sentenceCount = sentenceCount
    }
}
