import CEspeakNG
import Foundation

/// espeak-ng formant synthesis: robotic but intelligible, for the many languages that have
/// no neural voice installed (Mandarin, Cantonese, Japanese, …).
///
/// It is labelled as formant synthesis in its manifest and capabilities; it cannot clone.
/// Speed maps to espeak-ng's speaking rate (words per minute, 175 × speed, within its
/// 80–450 range); every other parameter is reported as ignored.
public final class EspeakSynthesizer: SpeechSynthesizer {
    public let id: String
    public let capabilities: SynthesizerCapabilities
    /// espeak voice name (`cmn`, `en-us`, …).
    public let voice: String
    private let executor: BlockingExecutor

    /// Creates the engine for a manifest with engine `.espeak` and option `voice`.
    /// Checks that espeak-ng knows the voice.
    public static func load(_ model: InstalledModel) async throws -> EspeakSynthesizer {
        guard model.manifest.engine == .espeak else {
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "engine is \(model.manifest.engine.rawValue), not espeak")
        }
        let voice = model.manifest.options["voice"] ?? "en-us"
        let executor = BlockingExecutor(label: "espeak.\(model.manifest.id)")
        let sampleRate = try await executor.run {
            try EspeakRuntime.shared.withLock { rate in
                try EspeakRuntime.shared.selectVoice(voice)
                return rate
            }
        }
        return EspeakSynthesizer(model: model, voice: voice, sampleRate: sampleRate, executor: executor)
    }

    private init(model: InstalledModel, voice: String, sampleRate: Int, executor: BlockingExecutor) {
        id = model.manifest.id
        self.voice = voice
        self.executor = executor
        capabilities = SynthesizerCapabilities(
            languages: model.manifest.languages, sampleRate: sampleRate, canClone: false,
            streaming: true, honouredParameters: EngineKind.espeak.honouredParameters)
    }

    /// espeak-ng's speaking rate for a speed factor, and whether it had to be bounded.
    static func rate(forSpeed speed: Double) -> (wordsPerMinute: Int, bounded: Bool) {
        guard speed.isFinite else { return (Int(espeakRATE_NORMAL), true) }
        let wanted = Int((Double(espeakRATE_NORMAL) * min(max(speed, 0), 100)).rounded())
        let bounded = min(max(wanted, Int(espeakRATE_MINIMUM)), Int(espeakRATE_MAXIMUM))
        return (bounded, bounded != wanted)
    }

    /// What the engine does with each parameter.
    static func report(for parameters: SynthesisParameters) -> ParameterReport {
        let rate = rate(forSpeed: parameters.speed)
        var report = ParameterReport()
        report.applied[.speed] =
            rate.bounded
            ? "\(rate.wordsPerMinute) words/min — espeak-ng's limit (asked for \(Int(Double(espeakRATE_NORMAL) * parameters.speed)); its range is \(espeakRATE_MINIMUM)–\(espeakRATE_MAXIMUM))"
            : "\(rate.wordsPerMinute) words/min (175 × speed)"
        let reason = "espeak-ng is a deterministic formant synthesizer: it has no sampling"
        report.ignored[.temperature] = reason
        report.ignored[.topP] = reason
        report.ignored[.topK] = reason
        report.ignored[.seed] = reason
        report.ignored[.samplingStrategy] = reason
        return report
    }

    public func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error> {
        let parameters = request.parameters
        return SentenceStream.make(
            engine: id, request: request, sampleRate: capabilities.sampleRate,
            report: { Self.report(for: parameters) }
        ) { [executor, voice] chunk, flag in
            let wordsPerMinute = Self.rate(forSpeed: parameters.speed).wordsPerMinute
            return try await executor.run { try Self.speak(chunk.text, voice: voice, wordsPerMinute: wordsPerMinute, flag: flag) }
        }
    }

    /// Synthesises one chunk synchronously under the espeak lock; nil when cancelled.
    private static func speak(_ text: String, voice: String, wordsPerMinute: Int, flag: CancellationFlag) throws -> AudioBuffer? {
        try EspeakRuntime.shared.withLock { sampleRate in
            try EspeakRuntime.shared.selectVoice(voice)
            espeak_SetParameter(espeakRATE, Int32(wordsPerMinute), 0)
            defer { espeak_SetParameter(espeakRATE, Int32(espeakRATE_NORMAL), 0) }
            let sink = SampleSink(flag: flag)
            let box = Unmanaged.passRetained(sink)
            defer { box.release() }
            espeak_SetSynthCallback { samples, count, events in
                guard let events, let userData = events.pointee.user_data else { return 0 }
                let sink = Unmanaged<SampleSink>.fromOpaque(userData).takeUnretainedValue()
                if let samples, count > 0 {
                    sink.samples.append(contentsOf: UnsafeBufferPointer(start: samples, count: Int(count)).map { Float($0) / 32768 })
                }
                return sink.flag.isCancelled ? 1 : 0
            }
            let bytes = Array(text.utf8CString)
            let status = bytes.withUnsafeBufferPointer { buffer in
                espeak_Synth(
                    buffer.baseAddress, buffer.count, 0, POS_CHARACTER, 0,
                    UInt32(espeakCHARS_UTF8), nil, box.toOpaque())
            }
            if flag.isCancelled { return nil }
            guard status == EE_OK else { throw EspeakError.synthesisFailed(code: Int(status.rawValue)) }
            return AudioBuffer(samples: sink.samples, sampleRate: sampleRate)
        }
    }

    /// Collects samples from espeak-ng's callback (only used under the espeak lock).
    private final class SampleSink {
        var samples: [Float] = []
        let flag: CancellationFlag
        init(flag: CancellationFlag) { self.flag = flag }
    }
}
