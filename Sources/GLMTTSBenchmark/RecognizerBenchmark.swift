import Foundation
import GLMTTSEngine

/// Measures the default recognizer (faster-whisper worker): cold latency (worker start,
/// model load and first transcription) and warm transcription time and real-time factor
/// on the benchmark texts spoken by a Piper voice.
public enum RecognizerBenchmark {
    /// The report.
    public struct Report: Sendable, Codable {
        /// Recognizer model id.
        public var model: String
        /// Seconds from nothing running to the first transcript of the short clip.
        public var coldSeconds: Double
        /// Warm runs per case.
        public var results: [BenchmarkResult]
    }

    /// Runs the benchmark; `voice` speaks the texts.
    public static func run(
        recognizerModel: InstalledModel, voice: InstalledModel, projectRoot: URL, iterations: Int,
        log: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let engine = try await PiperSynthesizer.load(voice)
        var clips: [(String, AudioBuffer)] = []
        for (label, text) in [("short (1 sentence)", BenchmarkTexts.short), ("long (20 sentences)", BenchmarkTexts.long)] {
            clips.append((label, try await speak(text, with: engine)))
        }
        return try await run(recognizerModel: recognizerModel, clips: clips, projectRoot: projectRoot, iterations: iterations, log: log)
    }

    /// All audio `engine` makes for `text`, joined.
    public static func speak(_ text: String, with engine: any SpeechSynthesizer, language: String? = nil) async throws -> AudioBuffer {
        var audio = AudioBuffer(samples: [], sampleRate: engine.capabilities.sampleRate)
        for try await event in engine.synthesize(SynthesisRequest(text: text, language: language)) {
            if case let .chunk(_, chunk, _) = event { audio.append(chunk) }
        }
        return audio
    }

    /// Runs the benchmark over labelled clips: the first is also the cold-start clip.
    public static func run(
        recognizerModel: InstalledModel, clips: [(String, AudioBuffer)], projectRoot: URL, iterations: Int,
        log: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let recognizer = try FasterWhisperRecognizer(model: recognizerModel, projectRoot: projectRoot)
        defer { Task { await recognizer.unload() } }
        let clock = ContinuousClock()
        log("cold start")
        let start = clock.now
        _ = try await recognizer.transcribe(clips[0].1)
        let cold = (clock.now - start).inSeconds
        var results: [BenchmarkResult] = []
        for (label, audio) in clips {
            var times: [Double] = []
            for iteration in 1...iterations {
                log("transcribe \(label): run \(iteration) of \(iterations)")
                let began = clock.now
                _ = try await recognizer.transcribe(audio)
                times.append((clock.now - began).inSeconds)
            }
            results.append(
                BenchmarkResult(
                    name: "warm, \(label)", audioSeconds: audio.duration, runSeconds: times,
                    peakMemoryBytes: PeakMemory.bytes()))
        }
        await recognizer.unload()
        return Report(model: recognizerModel.manifest.id, coldSeconds: cold, results: results)
    }
}
