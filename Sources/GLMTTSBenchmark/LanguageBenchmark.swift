import Foundation
import GLMTTSEngine

/// Measures the Kokoro voices per language (engine RTF, time to the first sentence's audio,
/// the worker's peak memory) on the fixed Mandarin, Japanese and English texts.
public enum LanguageBenchmark {
    /// One language's figures.
    public struct LanguageResult: Sendable, Codable {
        /// Language code.
        public var language: String
        /// Voice that spoke.
        public var voice: String
        /// Short and long text runs.
        public var results: [BenchmarkResult]
        /// Median seconds from the request to the first sentence's audio, long text.
        public var firstAudioSeconds: Double
    }

    /// The report.
    public struct Report: Sendable, Codable {
        /// Seconds to start the worker and load the model (first voice).
        public var loadSeconds: Double
        /// Per language.
        public var languages: [LanguageResult]
        /// Peak resident memory of the Kokoro worker process (VmHWM), bytes; nil when unknown.
        public var workerPeakMemoryBytes: Int?
    }

    /// The texts per language: (language, short, long).
    public static let texts = [
        ("zh", BenchmarkTexts.mandarinShort, BenchmarkTexts.mandarinLong),
        ("ja", BenchmarkTexts.japaneseShort, BenchmarkTexts.japaneseLong),
        ("en", BenchmarkTexts.short, BenchmarkTexts.long),
    ]

    /// Runs it with the default voice of each language among the Kokoro voices of `registry`.
    public static func run(registry: EngineRegistry, iterations: Int, log: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        let chooser = registry.voiceChooser()
        let kokoro = chooser.models.filter { $0.manifest.engine == .kokoro }.map(\.manifest.id)
        guard let first = kokoro.first else { throw ModelError.notFound(id: "kokoro-jf_alpha", available: []) }
        let clock = ContinuousClock()
        let started = clock.now
        let loaded = try await registry.synthesizer(id: first)
        let loadSeconds = (clock.now - started).inSeconds
        var languages: [LanguageResult] = []
        for (language, short, long) in texts {
            let preferred = (try? chooser.choose(text: short, named: nil, language: language).voiceID).flatMap {
                kokoro.contains($0) ? $0 : nil
            }
            let voice = preferred ?? first
            let engine = try await registry.synthesizer(id: voice)
            _ = try await RecognizerBenchmark.speak(short, with: engine, language: language)  // warm-up
            var results: [BenchmarkResult] = []
            var firstAudio: [Double] = []
            for (label, text) in [("short (1 sentence)", short), ("long (10–20 sentences)", long)] {
                var times: [Double] = []
                var seconds = 0.0
                for iteration in 1...iterations {
                    log("\(language) \(label): run \(iteration) of \(iterations)")
                    let began = clock.now
                    var audio = AudioBuffer(samples: [], sampleRate: engine.capabilities.sampleRate)
                    for try await event in engine.synthesize(SynthesisRequest(text: text, language: language)) {
                        if case let .chunk(_, chunk, _) = event {
                            if audio.samples.isEmpty && text == long { firstAudio.append((clock.now - began).inSeconds) }
                            audio.append(chunk)
                        }
                    }
                    times.append((clock.now - began).inSeconds)
                    seconds = audio.duration
                }
                results.append(BenchmarkResult(name: label, audioSeconds: seconds, runSeconds: times, peakMemoryBytes: PeakMemory.bytes()))
            }
            languages.append(
                LanguageResult(
                    language: language, voice: voice, results: results,
                    firstAudioSeconds: firstAudio.sorted()[firstAudio.count / 2]))
        }
        var peak: Int?
        if let kokoroVoice = loaded as? KokoroSynthesizer, let pid = await kokoroVoice.workerProcessID() {
            peak = PeakMemory.bytes(ofProcess: pid)
        }
        return Report(loadSeconds: loadSeconds, languages: languages, workerPeakMemoryBytes: peak)
    }
}
