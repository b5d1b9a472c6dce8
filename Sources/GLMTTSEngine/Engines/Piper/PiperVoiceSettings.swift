/// A Piper voice's inference defaults (from its `.onnx.json`, kept in the manifest options)
/// and how request parameters map onto them.
public struct PiperVoiceSettings: Sendable, Equatable {
    /// espeak-ng voice used to phonemize (`en-us`).
    public var espeakVoice: String
    /// Default VITS noise scale (`inference.noise_scale`).
    public var noiseScale: Double
    /// Default duration noise (`inference.noise_w`).
    public var noiseScaleW: Double
    /// Default length scale (`inference.length_scale`).
    public var lengthScale: Double

    /// Reads the settings from a manifest's options, with Piper's own defaults for gaps.
    public init(options: [String: String]) {
        espeakVoice = options["espeakVoice"] ?? "en-us"
        noiseScale = options["noiseScale"].flatMap(Double.init) ?? 0.667
        noiseScaleW = options["noiseScaleW"].flatMap(Double.init) ?? 0.8
        lengthScale = options["lengthScale"].flatMap(Double.init) ?? 1.0
    }

    /// The temperature at which the voice's own noise scales are used unchanged.
    public static let neutralTemperature = 0.8

    /// Noise scales for a temperature: the voice defaults scaled by `temperature / 0.8`,
    /// rounded to 3 decimals (they key the loaded-instance cache).
    public func noiseScales(temperature: Double) -> (noise: Double, noiseW: Double) {
        let factor = temperature / Self.neutralTemperature
        func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        return (round3(noiseScale * factor), round3(noiseScaleW * factor))
    }

    /// What the engine does with each parameter, for the result's report.
    public func report(for parameters: SynthesisParameters) -> ParameterReport {
        let scales = noiseScales(temperature: parameters.temperature)
        var report = ParameterReport()
        report.applied[.temperature] = "VITS noise_scale \(scales.noise), noise_w \(scales.noiseW) (voice defaults × temperature/0.8)"
        report.applied[.speed] = "length_scale \(lengthScale / parameters.speed) (voice default \(lengthScale) ÷ speed)"
        report.ignored[.topP] = "VITS is not autoregressive: there is no token sampling to truncate"
        report.ignored[.topK] = "VITS is not autoregressive: there is no token sampling to truncate"
        report.ignored[.samplingStrategy] = "VITS generates in one pass: there are no decoding steps to trade for quality"
        report.ignored[.seed] = "the VITS noise is drawn inside ONNX Runtime, which sherpa-onnx gives no way to seed"
        return report
    }
}
