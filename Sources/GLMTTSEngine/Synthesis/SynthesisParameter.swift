/// The name of one tunable synthesis parameter, as used in APIs and reports.
public enum SynthesisParameter: String, Sendable, Codable, CaseIterable, Comparable {
    case temperature
    case topP = "top_p"
    case topK = "top_k"
    case samplingStrategy = "sampling_strategy"
    case seed
    case speed

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
