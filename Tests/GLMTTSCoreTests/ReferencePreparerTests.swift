import Foundation
import Testing
@testable import GLMTTSCore

/// Reference clean-up on real speech (espeak-ng and Piper) and the real Silero VAD.
@Suite(.serialized) struct ReferencePreparerTests {
    static let vad = Result { try VoiceActivityDetector(store: TestEnvironment.store) }

    /// Real speech from the espeak-ng engine, at 22 050 Hz.
    static func speech(_ text: String) async throws -> AudioBuffer {
        let engine = try await EspeakSynthesizer.load(TestEnvironment.model("espeak-en-us"))
        return try await CollectedSynthesis.run(engine, SynthesisRequest(text: text)).audio
    }

    static func silence(_ seconds: Double, rate: Int = 22050) -> [Float] {
        [Float](repeating: 0, count: Int(seconds * Double(rate)))
    }

    @Test func findsSpeechBetweenSilences() async throws {
        let vad = try Self.vad.get()
        let words = try await Self.speech("The quick brown fox jumps over the lazy dog.")
        let padded = AudioBuffer(samples: Self.silence(2) + words.samples + Self.silence(2), sampleRate: 22050)
        let segments = try vad.speechSegments(in: padded)
        let first = try #require(segments.first), last = try #require(segments.last)
        #expect(abs(first.start - 2) < 0.35, "\(segments)")
        #expect(abs(last.end - (2 + words.duration)) < 0.35, "\(segments)")
    }

    @Test func silenceAndQuietNoiseHaveNoSpeech() throws {
        let vad = try Self.vad.get()
        #expect(try vad.speechSegments(in: AudioBuffer(samples: Self.silence(3), sampleRate: 22050)).isEmpty)
        var generator = SplitMix64(seed: 7919)
        let noise = (0..<22050 * 3).map { _ in Float.random(in: -0.002...0.002, using: &generator) }
        #expect(try vad.speechSegments(in: AudioBuffer(samples: noise, sampleRate: 22050)).isEmpty)
    }

    @Test func trimsThePadding() async throws {
        let words = try await Self.speech("Hello there, this is a reference clip for cloning a voice.")
        let padded = AudioBuffer(samples: Self.silence(2) + words.samples + Self.silence(3), sampleRate: 22050)
        let prepared = try ReferencePreparer.prepare(padded, vad: try Self.vad.get())
        #expect(prepared.audio.duration < padded.duration - 4, "\(prepared.audio.duration) of \(padded.duration)")
        #expect(prepared.audio.duration > words.duration - 0.6)
        #expect(prepared.report.detector == "silero-vad")
        #expect(prepared.report.warnings.isEmpty, "\(prepared.report.warnings)")
    }

    @Test func resamplesToTheEngineRate() async throws {
        let words = try await Self.speech("A short clip that the engine wants at twenty four kilohertz.")
        let prepared = try ReferencePreparer.prepare(words, targetSampleRate: 24_000, vad: try Self.vad.get())
        #expect(prepared.audio.sampleRate == 24_000)
    }

    @Test func longClipGetsTheBestWindowOnSpeechBoundaries() async throws {
        let vad = try Self.vad.get()
        let sentences = [
            "This is the first sentence of a long recording.", "Here comes another one, spoken clearly.",
            "The weather today is cold and windy outside.", "We walked along the river for an hour.",
            "Then we stopped for lunch at a small cafe.", "The soup was hot and the bread was fresh.",
            "After lunch we took the train back home.", "It was a long but pleasant day for everyone.",
        ]
        var samples: [Float] = []
        for sentence in sentences { samples += try await Self.speech(sentence).samples + Self.silence(0.8) }
        let long = AudioBuffer(samples: samples, sampleRate: 22050)
        #expect(long.duration > 20)
        let prepared = try ReferencePreparer.prepare(long, vad: vad)
        let window = try #require(prepared.report.window)
        #expect(window.duration >= 3 && window.duration <= ReferencePreparer.maxWindow + 2 * ReferencePreparer.padding + 0.01)
        let segments = try vad.speechSegments(in: long)
        #expect(segments.contains { abs($0.start - ReferencePreparer.padding - window.start) < 0.01 || window.start == 0 })
        #expect(segments.contains { abs($0.end + ReferencePreparer.padding - window.end) < 0.01 })
        #expect(prepared.report.warnings.contains { $0.code == "reference.long" })
    }

    @Test func shortClipIsAllowedWithAWarning() async throws {
        let words = try await Self.speech("Hello there, my friend.")
        let prepared = try ReferencePreparer.prepare(words, vad: try Self.vad.get())
        #expect(prepared.report.warnings.contains { $0.code == "reference.short" })
    }

    @Test func tinyClipIsTooShort() async throws {
        let words = try await Self.speech("Hi.")
        let clip = AudioBuffer(samples: Array(words.samples.prefix(Int(0.3 * 22050))), sampleRate: 22050)
        #expect(throws: ReferenceError.self) { try ReferencePreparer.prepare(clip, vad: try Self.vad.get()) }
    }

    @Test func clippingIsReported() async throws {
        let words = try await Self.speech("This recording was made far too loud and it distorts badly.")
        let loud = AudioBuffer(samples: words.samples.map { min(max($0 * 20, -1), 1) }, sampleRate: 22050)
        let report = try ReferencePreparer.analyze(loud, vad: try Self.vad.get())
        #expect(report.clippedFraction > 0.01)
        #expect(report.warnings.contains { $0.code == "reference.clipping" })
    }

    @Test func quietClipIsReported() async throws {
        let words = try await Self.speech("This recording was made very far away from the microphone.")
        let quiet = AudioBuffer(samples: words.samples.map { $0 * 0.005 }, sampleRate: 22050)
        let report = try ReferencePreparer.analyze(quiet, vad: try Self.vad.get())
        #expect(report.warnings.contains { $0.code == "reference.quiet" }, "\(report)")
    }

    @Test func noisyClipIsReported() async throws {
        let words = try await Self.speech("This recording was made next to a very loud machine in a factory.")
        var generator = SplitMix64(seed: 15838)
        let noisy = (Self.silence(1) + words.samples + Self.silence(1)).map { $0 + Float.random(in: -0.15...0.15, using: &generator) }
        let report = try ReferencePreparer.analyze(AudioBuffer(samples: noisy, sampleRate: 22050), vad: try Self.vad.get())
        let snr = try #require(report.snrDB)
        #expect(snr < ReferencePreparer.noiseWarning, "\(snr)")
        #expect(report.warnings.contains { $0.code == "reference.noisy" })
    }

    @Test func silenceIsNoSpeech() throws {
        let silence = AudioBuffer(samples: Self.silence(4), sampleRate: 22050)
        #expect(throws: ReferenceError.noSpeech) { try ReferencePreparer.prepare(silence, vad: try Self.vad.get()) }
        let report = try ReferencePreparer.analyze(silence, vad: try Self.vad.get())
        #expect(report.warnings.map(\.code) == ["reference.no_speech"])
        #expect(report.snrDB == nil)
    }

    @Test func degenerateBuffersAreTypedErrors() throws {
        let vad = try Self.vad.get()
        #expect(throws: ReferenceError.empty) { try ReferencePreparer.prepare(AudioBuffer(samples: [], sampleRate: 22050), vad: vad) }
        #expect(throws: ReferenceError.self) { try ReferencePreparer.prepare(AudioBuffer(samples: [0.5], sampleRate: 22050), vad: vad) }
        #expect(throws: ReferenceError.self) { try ReferencePreparer.prepare(AudioBuffer(samples: [0.5], sampleRate: 22050), vad: nil) }
    }

    @Test func energyFallbackFindsSpeech() async throws {
        let words = try await Self.speech("Without the model, signal energy finds the speech.")
        let padded = AudioBuffer(samples: Self.silence(1) + words.samples + Self.silence(1), sampleRate: 22050)
        let prepared = try ReferencePreparer.prepare(padded, vad: nil)
        #expect(prepared.report.detector == "energy")
        #expect(prepared.audio.duration < padded.duration - 1.5)
    }

    @Test func missingVADModelIsAClearError() {
        #expect(throws: ReferenceError.self) { try VoiceActivityDetector(modelURL: URL(fileURLWithPath: "/nonexistent/silero.onnx")) }
        #expect(throws: ReferenceError.self) { try VoiceActivityDetector(store: ModelStore(directory: URL(fileURLWithPath: "/nonexistent"))) }
    }
}
