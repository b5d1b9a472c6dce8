/// Parsing parameters from `NAME=VALUE` text (CLI `--param`, form fields).
extension SynthesisParameters {
    /// Parameters from assignments such as `temperature=0.6`, starting from the defaults.
    /// Unknown names, unparsable values and out-of-range values throw `ParameterError`.
    public init(assignments: [String]) throws {
        var values: [String: String] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw ParameterError.malformed("'\(assignment)' is not NAME=VALUE (for example temperature=0.7).")
            }
            values[String(assignment[..<equals]).trimmingCharacters(in: .whitespaces).lowercased()] =
                String(assignment[assignment.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
        try self.init(named: values)
    }

    /// Parameters from a name → value map (names as in `SynthesisParameter`), starting from
    /// the defaults, validated.
    public init(named values: [String: String]) throws {
        let defaults = SynthesisParameters()
        var temperature = defaults.temperature
        var topP = defaults.topP
        var topK = defaults.topK
        var speed = defaults.speed
        var samplingStrategy = defaults.samplingStrategy
        var seed: UInt64?
        for (name, value) in values {
            guard let parameter = SynthesisParameter(rawValue: name) else {
                let known = SynthesisParameter.allCases.map(\.rawValue).joined(separator: ", ")
                throw ParameterError.malformed("Unknown parameter '\(name)'; known parameters: \(known).")
            }
            func number() throws -> Double {
                guard let number = Double(value), number.isFinite else {
                    throw ParameterError.malformed("\(name) must be a number, not '\(value)'.")
                }
                return number
            }
            switch parameter {
            case .temperature: temperature = try number()
            case .topP: topP = try number()
            case .speed: speed = try number()
            case .topK:
                guard let integer = Int(value) else { throw ParameterError.malformed("top_k must be a whole number, not '\(value)'.") }
                topK = integer
            case .seed:
                guard let integer = UInt64(value) else {
                    throw ParameterError.malformed("seed must be a whole number from 0 to \(UInt64.max), not '\(value)'.")
                }
                seed = integer
            case .samplingStrategy:
                guard let strategy = SamplingStrategy(rawValue: value.lowercased()) else {
                    throw ParameterError.malformed("sampling_strategy must be fast, balanced or quality, not '\(value)'.")
                }
                samplingStrategy = strategy
            }
        }
        try self.init(
            temperature: temperature, topP: topP, topK: topK, samplingStrategy: samplingStrategy, seed: seed,
            speed: speed)
    }
}
