import Foundation
import GLMTTSEngine

/// The cost of verified speech and of captions on the default voice: the long benchmark text
/// (20 sentences) synthesised with and without verification, `rounds` times; how often a
/// sentence needed a second take (or failed every take), seconds of checking and retaking
/// per second of audio, and the cost of timing the words of an unverified result afterwards
/// (`CaptionAligner`, what `GET /api/tts/{id}/captions` does the first time).
public enum VerificationBenchmark {
    /// The report.
    public struct Report: Sendable, Codable {
        /// The voice.
        public var model: String
        /// Rounds run.
        public var rounds: Int
        /// Sentences verified, over all rounds.
        public var sentences: Int
        /// Sentences that needed more than one take.
        public var retaken: Int
        /// Sentences whose every take failed (the best kept).
        public var failed: Int
        /// The checks that sentences failing every take still failed, by check.
        public var failedChecks: [String: Int]
        /// Median seconds of a plain synthesis of the text, and of a verified one.
        public var plainSeconds: Double
        public var verifiedSeconds: Double
        /// Seconds of audio of one synthesis.
        public var audioSeconds: Double
        /// Checking seconds per second of audio (all rounds).
        public var checkPerAudioSecond: Double
        /// Retake seconds per second of audio (all rounds).
        public var retakePerAudioSecond: Double
        /// Median seconds to time the words of an unverified result, per second of audio.
        public var alignmentPerAudioSecond: Double
    }

    /// Runs `rounds` rounds on `voice` (recognizers from `registry`).
    public static func run(
        registry: EngineRegistry, voice: String, rounds: Int, log: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let pipeline = SynthesisPipeline(registry: registry)
        let text = try SpeechText(BenchmarkTexts.long)
        let aligner = CaptionAligner(registry: registry)
        // Warm-up: the voice, both recognizers' workers.
        log("warm-up")
        let warm = try await pipeline.run(SynthesisJob(text: text, voiceID: voice, verification: VerificationThresholds()))
        _ = try await aligner.captions(of: warm.audio, sentences: warm.sentences, language: "en")
        var plain: [Double] = []
        var verified: [Double] = []
        var alignment: [Double] = []
        var checks: [SentenceVerification] = []
        var audioSeconds = 0.0
        let clock = ContinuousClock()
        for round in 1...rounds {
            log("round \(round) of \(rounds): plain")
            var started = clock.now
            let output = try await pipeline.run(SynthesisJob(text: text, voiceID: voice))
            plain.append((clock.now - started).inSeconds)
            audioSeconds = output.audio.duration
            log("round \(round) of \(rounds): captions")
            started = clock.now
            _ = try await aligner.captions(of: output.audio, sentences: output.sentences, language: "en")
            alignment.append((clock.now - started).inSeconds / max(0.001, output.audio.duration))
            log("round \(round) of \(rounds): verified")
            started = clock.now
            let checked = try await pipeline.run(SynthesisJob(text: text, voiceID: voice, verification: VerificationThresholds()))
            verified.append((clock.now - started).inSeconds)
            checks += checked.verification ?? []
        }
        var failedChecks: [String: Int] = [:]
        for check in checks where !check.passed {
            for failure in check.failures { failedChecks[failure.rawValue, default: 0] += 1 }
        }
        let totalAudio = audioSeconds * Double(rounds)
        return Report(
            model: voice, rounds: rounds, sentences: checks.count, retaken: checks.count(where: { $0.attempts > 1 }),
            failed: checks.count(where: { !$0.passed }), failedChecks: failedChecks,
            plainSeconds: median(plain), verifiedSeconds: median(verified), audioSeconds: audioSeconds,
            checkPerAudioSecond: checks.reduce(0) { $0 + $1.checkSeconds } / max(0.001, totalAudio),
            retakePerAudioSecond: checks.reduce(0) { $0 + $1.retakeSeconds } / max(0.001, totalAudio),
            alignmentPerAudioSecond: median(alignment))
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
