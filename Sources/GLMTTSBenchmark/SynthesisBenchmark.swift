import Foundation
import GLMTTSEngine

/// Measures a Piper voice: load time, real-time factor on short and long text, peak
/// memory, and the overhead of our engine layer against a direct sherpa-onnx C call.
///
/// Engine and direct runs alternate so that drift (thermal, other load) hits both alike.
/// Each case gets one unmeasured warm-up run.
public enum SynthesisBenchmark {
    /// The full report.
    public struct Report: Sendable, Codable {
        /// Voice measured.
        public var model: String
        /// ONNX Runtime threads used by both the engine and the direct call.
        public var threads: Int
        /// Seconds to load the engine (first instance).
        public var loadSeconds: Double
        /// Measured cases.
        public var results: [BenchmarkResult]
        /// Engine-layer overhead per text size: median engine time ÷ median direct time − 1.
        public var overhead: [String: Double]
    }

    /// Runs the benchmark with `iterations` measured runs per case.
    public static func run(
        model: InstalledModel, iterations: Int, threads: Int = PiperSynthesizer.defaultThreads,
        log: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let clock = ContinuousClock()
        var start = clock.now
        let engine = try await PiperSynthesizer.load(model, budget: InferenceThreads(cores: threads))
        let loadSeconds = (clock.now - start).inSeconds
        let direct = try DirectPiperCall(model: model, threads: threads)
        let limits = TextLimits.default
        var results: [BenchmarkResult] = []
        var overhead: [String: Double] = [:]

        for (label, text) in [("short (1 sentence)", BenchmarkTexts.short), ("long (20 sentences)", BenchmarkTexts.long)] {
            let chunks = SentenceSplitter.split(text, maxChunkCharacters: limits.maxChunkCharacters)
            var engineTimes: [Double] = []
            var directTimes: [Double] = []
            var engineAudio = 0.0
            var directAudio = 0.0
            for iteration in 0...iterations {
                log("\(label): run \(iteration) of \(iterations)\(iteration == 0 ? " (warm-up)" : "")")
                start = clock.now
                var samples = 0
                var rate = 1
                for try await event in engine.synthesize(SynthesisRequest(text: text)) {
                    if case let .chunk(_, audio, _) = event {
                        samples += audio.samples.count
                        rate = audio.sampleRate
                    }
                }
                let engineTime = (clock.now - start).inSeconds
                start = clock.now
                let raw = try direct.synthesize(chunks: chunks)
                let directTime = (clock.now - start).inSeconds
                guard iteration > 0 else { continue }
                engineTimes.append(engineTime)
                directTimes.append(directTime)
                engineAudio = Double(samples) / Double(rate)
                directAudio = Double(raw.samples) / Double(max(raw.sampleRate, 1))
            }
            let memory = PeakMemory.bytes()
            let engineResult = BenchmarkResult(
                name: "engine, \(label)", audioSeconds: engineAudio, runSeconds: engineTimes, peakMemoryBytes: memory)
            let directResult = BenchmarkResult(
                name: "direct C API, \(label)", audioSeconds: directAudio, runSeconds: directTimes, peakMemoryBytes: memory)
            results += [engineResult, directResult]
            overhead[label] = directResult.medianSeconds > 0 ? engineResult.medianSeconds / directResult.medianSeconds - 1 : 0
        }
        return Report(model: model.manifest.id, threads: threads, loadSeconds: loadSeconds, results: results, overhead: overhead)
    }
}
