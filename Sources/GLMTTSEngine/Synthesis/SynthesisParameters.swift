/// The knobs of a synthesis request, with the reference product's ranges and defaults.
///
/// Valid by construction: every initialiser (decoding included) rejects an out-of-range
/// value with a `ParameterError`, never clamps it, and the values cannot be changed
/// afterwards — so the engines never check them again.
public struct SynthesisParameters: Sendable, Codable, Equatable {
    /// Sampling temperature, 0.1–1.5 (default 0.8).
    public private(set) var temperature: Double = 0.8
    /// Nucleus sampling mass, 0.5–1.0 (default 0.9).
    public private(set) var topP: Double = 0.9
    /// Top-k sampling cut-off, 1–100 (default 25).
    public private(set) var topK: Int = 25
    /// Speed/quality trade-off (default balanced).
    public private(set) var samplingStrategy: SamplingStrategy = .balanced
    /// Random seed for reproducible output; `nil` picks a fresh one.
    public private(set) var seed: UInt64? = nil
    /// Speaking rate multiplier, 0.25–4.0 (default 1.0).
    public private(set) var speed: Double = 1.0

    /// Allowed ranges, shared by validation, the CLI help and (later) the API spec.
    public static let temperatureRange: ClosedRange<Double> = 0.1...1.5
    public static let topPRange: ClosedRange<Double> = 0.5...1.0
    public static let topKRange: ClosedRange<Int> = 1...100
    public static let speedRange: ClosedRange<Double> = 0.25...4.0

    /// Parameters with every default.
    public init() {}

    /// Parameters with explicit values. Throws `ParameterError.outOfRange` for the first
    /// value outside its range (NaN and infinities included).
    public init(
        temperature: Double = 0.8, topP: Double = 0.9, topK: Int = 25,
        samplingStrategy: SamplingStrategy = .balanced, seed: UInt64? = nil, speed: Double = 1.0
    ) throws {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.samplingStrategy = samplingStrategy
        self.seed = seed
        self.speed = speed
        try validate()
    }

    private enum CodingKeys: String, CodingKey {
        case temperature, topP, topK, samplingStrategy, seed, speed
    }

    /// Stored parameters, checked like new ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SynthesisParameters()
        try self.init(
            temperature: try container.decodeIfPresent(Double.self, forKey: .temperature) ?? defaults.temperature,
            topP: try container.decodeIfPresent(Double.self, forKey: .topP) ?? defaults.topP,
            topK: try container.decodeIfPresent(Int.self, forKey: .topK) ?? defaults.topK,
            samplingStrategy: try container.decodeIfPresent(SamplingStrategy.self, forKey: .samplingStrategy) ?? defaults.samplingStrategy,
            seed: try container.decodeIfPresent(UInt64.self, forKey: .seed),
            speed: try container.decodeIfPresent(Double.self, forKey: .speed) ?? defaults.speed)
    }

    /// The same parameters with another seed (a retake of a failed sentence, say).
    public func with(seed: UInt64?) -> SynthesisParameters {
        var copy = self
        copy.seed = seed
        return copy
    }

    private func validate() throws {
        try Self.check(.temperature, temperature, in: Self.temperatureRange)
        try Self.check(.topP, topP, in: Self.topPRange)
        if !Self.topKRange.contains(topK) {
            throw ParameterError.outOfRange(
                parameter: .topK, value: String(topK),
                range: "\(Self.topKRange.lowerBound)–\(Self.topKRange.upperBound)")
        }
        try Self.check(.speed, speed, in: Self.speedRange)
    }

    private static func check(_ name: SynthesisParameter, _ value: Double, in range: ClosedRange<Double>) throws {
        guard value.isFinite, range.contains(value) else {
            throw ParameterError.outOfRange(
                parameter: name, value: String(value),
                range: "\(range.lowerBound)–\(range.upperBound)")
        }
    }
}
