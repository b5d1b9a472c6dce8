import Foundation

/// The zero-shot cloning model families sherpa-onnx runs, and how our parameters map
/// onto each. UNVERIFIED HERE: no weights for these models can be obtained on the build
/// machine, so the mapping follows sherpa-onnx 2.0.1's C API and published model packs
/// (see docs/ENGINES-ZEROSHOT.md), not a listening test.
public enum ZeroShotFamily: String, Sendable, CaseIterable {
    /// ZipVoice (flow matching + Vocos vocoder); needs the reference clip and its transcript.
    case zipvoice
    /// Pocket-TTS (flow language model); needs the reference clip only.
    case pocket

    /// The family of an engine kind, or nil if it is not a zero-shot kind.
    public init?(engine: EngineKind) {
        switch engine {
        case .zipvoice: self = .zipvoice
        case .pocket: self = .pocket
        default: return nil
        }
    }

    /// File roles a manifest of this family must name.
    public var requiredFiles: [String] {
        switch self {
        case .zipvoice: return ["tokens", "encoder", "decoder", "vocoder"]
        case .pocket: return ["lmFlow", "lmMain", "encoder", "decoder", "textConditioner", "vocab", "tokenScores"]
        }
    }

    /// Whether the reference transcript is required.
    public var needsReferenceText: Bool { self == .zipvoice }

    /// Parameters this family really applies.
    public var honouredParameters: Set<SynthesisParameter> {
        switch self {
        case .zipvoice: return [.samplingStrategy, .speed]
        case .pocket: return [.temperature, .seed]
        }
    }

    /// Flow-matching steps for a strategy (ZipVoice-distill is trained for few steps;
    /// 4 is the upstream example's default).
    public func steps(for strategy: SamplingStrategy) -> Int {
        switch strategy {
        case .fast: return 4
        case .balanced: return 8
        case .quality: return 16
        }
    }

    /// The model-specific `extra` JSON for a request (Pocket: seed, temperature, reference cap).
    public func extraJSON(for parameters: SynthesisParameters, seed: UInt64) -> String {
        guard self == .pocket else { return "{}" }
        let object: [String: Any] = [
            "max_reference_audio_len": ReferencePreparer.maxWindow,
            "seed": Int(seed % UInt64(Int32.max)),
            "temperature": parameters.temperature,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// What this family does with each parameter.
    public func report(for parameters: SynthesisParameters, seed: UInt64) -> ParameterReport {
        var report = ParameterReport()
        let noSampling = "flow-matching model: there is no token sampling to truncate"
        report.ignored[.topP] = noSampling
        report.ignored[.topK] = noSampling
        switch self {
        case .zipvoice:
            report.applied[.samplingStrategy] = "\(steps(for: parameters.samplingStrategy)) flow-matching steps"
            report.applied[.speed] = "speed \(parameters.speed) passed to ZipVoice's duration model"
            report.ignored[.temperature] = "ZipVoice's sampler has no temperature in sherpa-onnx's API"
            report.ignored[.seed] = "sherpa-onnx gives no way to seed ZipVoice's initial noise"
        case .pocket:
            report.applied[.temperature] = "temperature \(parameters.temperature) passed to Pocket-TTS"
            report.applied[.seed] = "seed \(seed)"
            report.ignored[.samplingStrategy] = "Pocket-TTS has no step count in sherpa-onnx's API"
            report.ignored[.speed] = "Pocket-TTS has no duration control in sherpa-onnx's API"
        }
        return report
    }
}
