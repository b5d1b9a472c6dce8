import Foundation

/// The per-request values a zero-shot model receives in sherpa-onnx's
/// `SherpaOnnxGenerationConfig`, derived from `SynthesisParameters` by pure functions.
///
/// UNVERIFIED HERE (no weights): the keys follow sherpa-onnx's sources —
/// `offline-tts-pocket-impl.h` reads `extra` keys `temperature` (default 0.7), `seed`
/// (default -1 = random), `max_reference_audio_len` (default 10 s), `max_frames`,
/// `frames_after_eos`, `chunk_size`; `offline-tts-zipvoice-impl.h` reads `num_steps`,
/// `speed`, `guidance_scale`, `t_shift`, `feat_scale`, `target_rms`, and has no seed or
/// temperature.
public struct ZeroShotGenerationSettings: Sendable, Equatable {
    /// `GenerationConfig.num_steps`.
    public var numSteps: Int
    /// `GenerationConfig.speed` (1 for families that ignore it).
    public var speed: Double
    /// The seed the model receives (Pocket-TTS), nil where the family cannot be seeded.
    public var modelSeed: Int32?
    /// The `extra` key/values, numbers only.
    public var extra: [String: Double]

    /// `extra` as the JSON object sherpa-onnx parses (keys sorted, so it is stable).
    public var extraJSON: String {
        let data = (try? JSONSerialization.data(withJSONObject: extra, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The seed sherpa-onnx's `GetExtraInt` accepts: a non-negative 32-bit value (it reads
    /// `-1` as "random"), so larger seeds are folded into 0…2³¹−1.
    public static func modelSeed(for seed: UInt64) -> Int32 {
        Int32(truncatingIfNeeded: seed % (UInt64(Int32.max) + 1))
    }

    /// The generation settings for `parameters` (already validated).
    ///
    /// - `seed`: the request's seed, or the one drawn for it when it had none; only
    ///   Pocket-TTS receives it.
    /// - `maxReferenceSeconds`: Pocket-TTS's `max_reference_audio_len`.
    public static func make(
        family: ZeroShotFamily, steps: ZeroShotStepSchedule, parameters: SynthesisParameters,
        seed: UInt64, maxReferenceSeconds: Double
    ) -> ZeroShotGenerationSettings {
        let numSteps = steps.steps(for: parameters.samplingStrategy)
        switch family {
        case .zipvoice:
            return ZeroShotGenerationSettings(numSteps: numSteps, speed: parameters.speed, modelSeed: nil, extra: [:])
        case .pocket:
            let modelSeed = Self.modelSeed(for: seed)
            return ZeroShotGenerationSettings(
                numSteps: numSteps, speed: 1, modelSeed: modelSeed,
                extra: [
                    "temperature": parameters.temperature, "seed": Double(modelSeed),
                    "max_reference_audio_len": maxReferenceSeconds,
                ])
        }
    }

    /// What `family` does with each parameter: every `SynthesisParameter` is either applied
    /// (with how) or ignored (with why), never both.
    ///
    /// `seedWasDrawn` says the request had no seed and `seed` was drawn for it, so a client
    /// can repeat the result by sending it back.
    public static func parameterReport(
        family: ZeroShotFamily, steps: ZeroShotStepSchedule, parameters: SynthesisParameters,
        seed: UInt64, seedWasDrawn: Bool
    ) -> ParameterReport {
        var report = ParameterReport()
        let noTokens = "flow-matching model: there is no token sampling to truncate"
        report.ignored[.topP] = noTokens
        report.ignored[.topK] = noTokens
        let count = steps.steps(for: parameters.samplingStrategy)
        switch family {
        case .zipvoice:
            report.applied[.samplingStrategy] = "\(parameters.samplingStrategy.rawValue): \(count) flow-matching steps"
            report.applied[.speed] = "speed \(parameters.speed) scales ZipVoice's predicted duration"
            report.ignored[.temperature] =
                "ZipVoice has no temperature: its noise is plain Gaussian and sherpa-onnx exposes no scale for it"
            report.ignored[.seed] =
                "sherpa-onnx draws ZipVoice's initial noise from an unseeded generator, so it cannot be made reproducible"
        case .pocket:
            report.applied[.samplingStrategy] = "\(parameters.samplingStrategy.rawValue): \(count) LSD flow steps per frame"
            report.applied[.temperature] = "temperature \(parameters.temperature) (noise variance of Pocket-TTS's flow head)"
            let modelSeed = Self.modelSeed(for: seed)
            var note = seedWasDrawn ? "seed \(seed) (drawn at random; send it back to repeat this result)" : "seed \(seed)"
            if UInt64(modelSeed) != seed { note += ", passed to the model as \(modelSeed)" }
            report.applied[.seed] = note
            report.ignored[.speed] = "Pocket-TTS has no duration control; its speaking rate follows the reference voice"
        }
        return report
    }
}
