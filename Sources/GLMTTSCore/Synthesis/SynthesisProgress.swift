/// Where a synthesis is: a stage and the fraction done (0…1).
public struct SynthesisProgress: Sendable, Equatable, Codable {
    /// Named stages a client can show.
    public enum Stage: String, Sendable, Codable {
        case loadingModel = "loading_model"
        case preparingText = "preparing_text"
        case synthesizing
        case postProcessing = "post_processing"
        case encoding
        case done
    }

    /// Current stage.
    public var stage: Stage
    /// Fraction of the whole job finished, 0…1.
    public var fraction: Double
    /// Optional detail ("sentence 3 of 10").
    public var detail: String?

    public init(stage: Stage, fraction: Double, detail: String? = nil) {
        self.stage = stage
        self.fraction = min(max(fraction, 0), 1)
        self.detail = detail
    }
}
