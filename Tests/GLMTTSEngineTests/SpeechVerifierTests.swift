import Foundation
import GLMTTSTestSupport
import Synchronization
import Testing

@testable import GLMTTSEngine

/// Verification with a deliberately bad engine: takes that drop words, repeat the sentence,
/// are silent or are another speaker's, made by the real voices and heard by the real
/// tiny.en; each is caught, retaken and reported, and when every take fails the best is kept.
@Suite(.serialized) struct SpeechVerifierTests {
    static let registry = EngineRegistry(store: TestEnvironment.store)
    static let sentence = "Seven green apples were sitting on the kitchen table."

    private func speak(_ text: String, voice: String = "en_US-joe-medium") async throws -> AudioBuffer {
        let engine = try await Self.registry.synthesizer(id: voice)
        return try await CollectedSynthesis.run(engine, SynthesisRequest(text: text)).audio
    }

    /// A take of `text` that passes every check. Piper draws fresh noise per call, so about one
    /// take in thirty fails (docs/PERFORMANCE.md): the tests that need a good take pick one that
    /// scores as passing (the score of given audio is deterministic: greedy decoding).
    private func goodTake(_ text: String = sentence) async throws -> AudioBuffer {
        let verifier = SpeechVerifier(registry: Self.registry)
        for _ in 1...5 {
            let take = try await speak(text)
            if try await verifier.score(take, text: text, language: "en", speed: 1).passed { return take }
        }
        Issue.record("five takes of \"\(text)\" failed verification")
        throw CancellationError()
    }

    /// Runs the verifier on `first`, with `retakes` as the engine's next takes (the good take
    /// when none are given); returns the kept take, the report and the progress lines.
    private func verify(
        _ first: AudioBuffer, retakes: [AudioBuffer], text: String = sentence,
        speaker: (encoder: SpeakerEncoder, reference: [Double])? = nil, attempts: Int = 3
    ) async throws -> (AudioBuffer, SentenceVerification, [String]) {
        let verifier = SpeechVerifier(registry: Self.registry, thresholds: VerificationThresholds(maxAttempts: attempts), speaker: speaker)
        let notes = Mutex<[String]>([])
        let (kept, report, _) = try await verifier.verify(
            first, text: text, index: 2, language: "en", speed: 1,
            retake: { attempt in retakes[attempt - 1] }, note: { line in notes.withLock { $0.append(line) } })
        return (kept, report, notes.withLock { $0 })
    }

    @Test func aGoodTakePassesAtOnceAndBadOnesAreCaughtAndRetaken() async throws {
        let good = try await goodTake()
        let (kept, report, notes) = try await verify(good, retakes: [])
        #expect(report.passed && report.attempts == 1 && report.failures.isEmpty, "\(report)")
        #expect(kept == good && (report.errorRate ?? 1) <= 0.35 && report.heard?.isEmpty == false)
        #expect(notes == ["sentence 3 verified (error rate \(String(format: "%.2f", report.errorRate ?? 0)), take 1)"])

        // What each bad take must fail (any of): a repetition is heard as extra words, or (when
        // the recognizer folds it) shows in the length.
        let cases: [(String, AudioBuffer, Set<VerificationFailure>)] = [
            ("dropped words", try await speak("Seven apples."), [.text]),
            ("repeated", try await speak(Self.sentence + " " + Self.sentence), [.text, .duration]),
            ("silence", AudioBuffer(samples: [Float](repeating: 0, count: 3 * 22050), sampleRate: 22050), [.silence]),
        ]
        for (name, bad, expected) in cases {
            let (kept, report, notes) = try await verify(bad, retakes: [good])
            #expect(report.passed && report.attempts == 2, "\(name): \(report)")
            #expect(kept == good, "\(name): the good retake is kept")
            let first = notes.first ?? ""
            #expect(first.contains("sentence 3 failed") && expected.contains { first.contains($0.rawValue) }, "\(name): \(notes)")
            #expect(first.hasSuffix("take 2 of 3"), "\(name): \(notes)")
        }
        // Three times the sentence is far longer than the sentence takes to say.
        let score = try await SpeechVerifier(registry: Self.registry).score(
            try await speak(Self.sentence + " " + Self.sentence + " " + Self.sentence), text: Self.sentence, language: "en", speed: 1)
        #expect(score.failures.contains(.duration), "\(score.failures)")
    }

    @Test func whenEveryTakeFailsTheBestIsKeptAndTheFailureReported() async throws {
        let silence = AudioBuffer(samples: [Float](repeating: 0, count: 22050), sampleRate: 22050)
        let partial = try await speak("Seven green apples.")
        let (kept, report, notes) = try await verify(silence, retakes: [partial, silence])
        #expect(!report.passed && report.attempts == 3, "\(report)")
        #expect(kept == partial, "the take with the fewest failures is kept")
        // The partial take fails on its words (and, as short as it is, maybe its length), not on silence.
        #expect(report.failures.contains(.text) && !report.failures.contains(.silence), "\(report.failures)")
        let last = notes.last ?? ""
        #expect(notes.count == 3 && last.contains("still fails") && last.contains("after 3 takes"), "\(notes)")
    }

    @Test func anotherSpeakersTakeFailsTheSpeakerCheck() async throws {
        let tools = try #require(try await Self.registry.speakerTools())
        let reference = try await tools.encoder.embedding(of: try await speak("This is the voice to keep, speaking for a while."))
        let other = try await speak(Self.sentence, voice: "espeak-en-us")
        let good = try await goodTake()
        let (kept, report, notes) = try await verify(other, retakes: [good], speaker: (tools.encoder, reference))
        #expect(report.passed && report.attempts == 2 && kept == good, "\(report) \(notes)")
        #expect(notes.first?.contains("speaker") == true, "\(notes)")
        #expect((report.speakerSimilarity ?? 0) >= 0.7, "\(report)")
    }

    @Test func errorRatesCountWordsOrCharactersOfTheirLettersOnly() {
        #expect(SpeechVerifier.errorRate(text: "Hello, world!", heard: "hello world", characters: false) == 0)
        #expect(SpeechVerifier.errorRate(text: "one two three four", heard: "one three four five", characters: false) == 0.5)
        #expect(SpeechVerifier.errorRate(text: "今天天气很好。", heard: "今天天气很好", characters: true) == 0)
        #expect(abs(SpeechVerifier.errorRate(text: "今天天气很好", heard: "今天很好", characters: true) - 2.0 / 6) < 1e-9)
        #expect(SpeechVerifier.errorRate(text: "…", heard: "", characters: false) == 0)
        #expect(SpeechVerifier.countsCharacters("駅まで") && !SpeechVerifier.countsCharacters("Hello"))
    }

    @Test func thePipelineVerifiesEverySentenceAndItsCaptionsNeedNoSecondPass() async throws {
        let text = "The first sentence is short. The second one is a little longer than the first."
        let output = try await SynthesisPipeline(registry: Self.registry).run(
            SynthesisJob(text: try SpeechText(text), verification: VerificationThresholds()))
        let checks = try #require(output.verification)
        #expect(checks.map(\.text) == ["The first sentence is short.", "The second one is a little longer than the first."])
        #expect(checks.map(\.index) == [0, 1])
        #expect(checks.allSatisfy { $0.attempts >= 1 && $0.checkSeconds > 0 && $0.heard != nil }, "\(checks)")
        let captions = try #require(output.captions)
        #expect(captions.recognizer == "whisper-tiny.en")
        #expect(captions.words.map(\.text) == text.split(separator: " ").map(String.init))
        #expect(captions.words.allSatisfy { $0.end <= output.audio.duration + 1e-6 })
        #expect(
            try await SynthesisPipeline(registry: Self.registry).run(SynthesisJob(text: try SpeechText("Not verified."))).verification
                == nil)
    }
}
