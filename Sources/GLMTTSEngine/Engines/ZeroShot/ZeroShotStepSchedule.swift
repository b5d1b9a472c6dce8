/// How many flow steps each `SamplingStrategy` buys for a zero-shot model.
///
/// ZipVoice: flow-matching ODE steps of the decoder (`GenerationConfig.num_steps`).
/// Pocket-TTS: LSD decode steps of its flow head per audio frame (also `num_steps`).
/// The presets follow the model authors' defaults (see docs/ENGINES-ZEROSHOT.md); a
/// manifest may override them with the options `stepsFast`, `stepsBalanced`, `stepsQuality`.
public struct ZeroShotStepSchedule: Sendable, Equatable, Codable {
    /// Steps for `.fast`.
    public var fast: Int
    /// Steps for `.balanced` (the default strategy).
    public var balanced: Int
    /// Steps for `.quality`.
    public var quality: Int

    /// A schedule; every value must be ≥ 1 (checked by `ZeroShotModelConfiguration`).
    public init(fast: Int, balanced: Int, quality: Int) {
        self.fast = fast
        self.balanced = balanced
        self.quality = quality
    }

    /// ZipVoice-Distill: 4 (sherpa-onnx's default and examples), 8 (ZipVoice's own default
    /// for the distilled model), 16.
    public static let zipvoiceDistill = ZeroShotStepSchedule(fast: 4, balanced: 8, quality: 16)
    /// ZipVoice (not distilled): 8, 16 (ZipVoice's own default), 32.
    public static let zipvoiceFull = ZeroShotStepSchedule(fast: 8, balanced: 16, quality: 32)
    /// Pocket-TTS: 1 (Kyutai's default `lsd_decode_steps`), 5 (sherpa-onnx's default and
    /// examples), 10.
    public static let pocket = ZeroShotStepSchedule(fast: 1, balanced: 5, quality: 10)

    /// Steps for `strategy`.
    public func steps(for strategy: SamplingStrategy) -> Int {
        switch strategy {
        case .fast: return fast
        case .balanced: return balanced
        case .quality: return quality
        }
    }
}
