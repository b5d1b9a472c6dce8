import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// Reference clean-up on real speech (espeak-ng) and the real Silero VAD.
@Suite(.serialized) struct ReferencePreparerTests {
    static let vad = Result { try VoiceActivityDetector(store: TestEnvironment.store) }

    static let sentences = [
        "This is the first sentence of a long recording.", "Here comes another one, spoken clearly.",
        "The weather today is cold and windy outside.", "We walked along the river for an hour.",
        "Then we stopped for lunch at a small cafe.", "The soup was hot and the bread was fresh.",
        "After lunch we took the train back home.", "It was a long but pleasant day for everyone.",
        "In the evening we read a book by the fire.", "The children played a game in the garden.",
        "Later the rain began to fall on the roof.", "Finally everybody went to bed quite early.",
    ]

    /// About 40 s: the sentences with 1.2 s pauses, optionally hard-clipped up to `clippedCount`.
    static func longClip(clippedCount: Int = 0) async throws -> AudioBuffer {
        var parts: [AudioBuffer] = []
        for (index, sentence) in sentences.enumerated() {
            let words = try await ReferenceClips.speech(sentence)
            parts.append(index < clippedCount ? ReferenceClips.scaled(words, by: 10) : words)
            parts.append(ReferenceClips.silence(1.2))
        }
        return ReferenceClips.join(parts)
    }

    /// Whether `window` starts at a segment start and ends at a segment end, give or take
    /// the padding.
    static func isOnBoundaries(_ window: SpeechSegment, _ segments: [SpeechSegment]) -> Bool {
        let pad = ReferencePreparer.padding + 1e-6
        return segments.contains { window.start <= $0.start && $0.start - window.start <= pad }
            && segments.contains { window.end >= $0.end && window.end - $0.end <= pad }
    }

    @Test func trimsThePadding() async throws {
        let words = try await ReferenceClips.speech("Hello there, this is a reference clip for cloning a voice.")
        let padded = ReferenceClips.join([ReferenceClips.silence(2), words, ReferenceClips.silence(3)])
        let prepared = try ReferencePreparer.prepare(padded, vad: try Self.vad.get())
        #expect(prepared.audio.duration < words.duration + 0.7, "\(prepared.audio.duration) for \(words.duration) of speech")
        #expect(prepared.audio.duration > words.duration - 0.6)
        #expect(prepared.window.start > 1.4 && prepared.window.end < 2 + words.duration + 0.5, "\(prepared.window)")
        // espeak-ng's sound starts right at 2 s: the first consonant is kept.
        #expect(prepared.window.start <= 2.0, "\(prepared.window)")
        #expect(prepared.report.window == prepared.window)
        #expect(prepared.report.detector == .sileroVAD)
        #expect(prepared.report.warnings.isEmpty, "\(prepared.report.warnings)")
        #expect((prepared.report.snrDB ?? 0) > 40)
        #expect(prepared.report.clippedFraction == 0)
    }

    @Test func resamplesToTheEngineRate() async throws {
        let words = try await ReferenceClips.speech("A short clip that the engine wants at twenty four kilohertz.")
        let prepared = try ReferencePreparer.prepare(words, targetSampleRate: 24_000, vad: try Self.vad.get())
        #expect(prepared.audio.sampleRate == 24_000)
        #expect(abs(prepared.audio.duration - prepared.window.duration) < 0.01)
        #expect(prepared.report.sampleRate == words.sampleRate)
    }

    @Test func longClipGetsTheBestWindowOnSpeechBoundaries() async throws {
        let vad = try Self.vad.get()
        let long = try await Self.longClip()
        #expect(long.duration > 35, "\(long.duration)")
        let prepared = try ReferencePreparer.prepare(long, vad: vad)
        let window = prepared.window
        #expect(window.duration >= ReferencePreparer.minimumWindow)
        #expect(window.duration <= ReferencePreparer.maxWindow + 2 * ReferencePreparer.padding + 1e-6, "\(window)")
        let segments = try ReferencePreparer.measure(long, vad: vad).0.segments
        #expect(Self.isOnBoundaries(window, segments), "\(window) \(segments)")
        #expect(prepared.report.windowSpeechSeconds > 8, "\(prepared.report)")
        #expect(prepared.report.windowSpeechSeconds <= ReferencePreparer.maxWindow)
        let warning = try #require(prepared.report.warnings.first { $0.code == ReferenceWarning.Code.long.rawValue })
        #expect(warning.message.contains("s long"), "\(warning.message)")
        #expect(abs(prepared.audio.duration - window.duration) < 0.01)
    }

    @Test func longClipAvoidsTheClippedPart() async throws {
        let vad = try Self.vad.get()
        let long = try await Self.longClip(clippedCount: 6)
        let prepared = try ReferencePreparer.prepare(long, vad: vad)
        // The first six sentences are clipped; they end before the seventh one starts.
        var cleanStart = 0.0
        for sentence in Self.sentences.prefix(6) { cleanStart += try await ReferenceClips.speech(sentence).duration + 1.2 }
        #expect(prepared.window.start >= cleanStart - ReferencePreparer.padding - 0.3, "\(prepared.window), clean from \(cleanStart)")
        #expect(Self.isOnBoundaries(prepared.window, try ReferencePreparer.measure(long, vad: vad).0.segments))
        #expect(prepared.report.has(.clipping))
        let used = try ReferencePreparer.analyze(prepared.audio, vad: vad)
        #expect(used.clippedFraction < 0.001, "\(used.clippedFraction)")
    }

    @Test func shortClipIsAllowedWithAWarning() async throws {
        let words = try await ReferenceClips.speech("Hello there, my friend.")
        #expect(words.duration > 1 && words.duration < 3, "\(words.duration)")
        let prepared = try ReferencePreparer.prepare(words, vad: try Self.vad.get())
        let warning = try #require(prepared.report.warnings.first { $0.code == "reference.short" })
        #expect(warning.message.contains("3–15 s"))
    }

    @Test func tinyClipIsTooShort() async throws {
        let words = try await ReferenceClips.speech("Hello there, my friend.")
        let clip = AudioBuffer(samples: Array(words.samples.prefix(Int(0.3 * Double(words.sampleRate)))), sampleRate: words.sampleRate)
        #expect(throws: ReferenceError.tooShort(speechSeconds: clip.duration, minimum: 1)) {
            try ReferencePreparer.prepare(clip, vad: try Self.vad.get())
        }
        // analyze still reports on it.
        let report = try ReferencePreparer.analyze(clip, vad: try Self.vad.get())
        #expect(report.durationSeconds < 0.31)
    }

    @Test func tooLittleSpeechInALongClipIsTooShort() async throws {
        let words = try await ReferenceClips.speech("Hi.")
        let clip = ReferenceClips.join([ReferenceClips.silence(2), words, ReferenceClips.silence(2)])
        do {
            _ = try ReferencePreparer.prepare(clip, vad: try Self.vad.get())
            Issue.record("a clip with \(words.duration) s of speech was accepted")
        } catch let error as ReferenceError {
            guard case let .tooShort(speech, minimum) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(speech < 1 && minimum == 1)
            #expect(error.message.contains("3–15 s"))
            #expect(error.category == .invalidInput)
        }
    }

    @Test func clippingIsReported() async throws {
        let words = try await ReferenceClips.speech("This recording was made far too loud and it distorts badly.")
        let report = try ReferencePreparer.analyze(ReferenceClips.scaled(words, by: 10), vad: try Self.vad.get())
        #expect(report.clippedFraction > 0.01, "\(report.clippedFraction)")
        let warning = try #require(report.warnings.first { $0.code == "reference.clipping" })
        #expect(warning.message.contains("lower level"))
        #expect(report.peakDBFS > -0.01)
    }

    /// A peak-normalised clip touches full scale in single samples: that is not clipping.
    @Test func lonePeaksAreNotClipping() async throws {
        let words = try await ReferenceClips.speech("Normalised to full scale, but not distorted.")
        let peak = words.samples.reduce(Float(0)) { max($0, abs($1)) }
        let normalised = AudioBuffer(samples: words.samples.map { $0 / peak }, sampleRate: words.sampleRate)
        let report = try ReferencePreparer.analyze(normalised, vad: try Self.vad.get())
        #expect(report.peakDBFS > -0.01)
        #expect(report.clippedFraction == 0)
        #expect(!report.has(.clipping))
    }

    @Test func quietClipIsReported() async throws {
        let words = try await ReferenceClips.speech("This recording was made very far away from the microphone.")
        let report = try ReferencePreparer.analyze(ReferenceClips.scaled(words, by: 0.005), vad: try Self.vad.get())
        #expect(report.rmsDBFS < ReferencePreparer.lowLevelWarning, "\(report.rmsDBFS)")
        let warning = try #require(report.warnings.first { $0.code == "reference.quiet" }, "\(report)")
        #expect(warning.message.contains("dBFS"))
    }

    @Test func noisyClipIsReported() async throws {
        let words = try await ReferenceClips.speech("This recording was made next to a very loud machine in a factory.")
        let clean = ReferenceClips.join([ReferenceClips.silence(1), words, ReferenceClips.silence(1)])
        let noise = ReferenceClips.noise(seconds: clean.duration, amplitude: 0.15, seed: 15838)
        let noisy = AudioBuffer(samples: zip(clean.samples, noise.samples).map { $0 + $1 }, sampleRate: clean.sampleRate)
        let report = try ReferencePreparer.analyze(noisy, vad: try Self.vad.get())
        let snr = try #require(report.snrDB)
        #expect(snr < ReferencePreparer.noiseWarning, "\(snr)")
        #expect(report.has(.noisy))
        let cleanReport = try ReferencePreparer.analyze(clean, vad: try Self.vad.get())
        #expect((cleanReport.snrDB ?? 0) > snr + 20)
    }

    @Test func silenceIsNoSpeech() throws {
        let silence = ReferenceClips.silence(4)
        #expect(throws: ReferenceError.noSpeech) { try ReferencePreparer.prepare(silence, vad: try Self.vad.get()) }
        let report = try ReferencePreparer.analyze(silence, vad: try Self.vad.get())
        #expect(report.warnings.map(\.code) == ["reference.no_speech"])
        #expect(report.snrDB == nil && report.window == nil && report.preparedSeconds == 0)
        // The energy fallback agrees, and says it was used.
        #expect(throws: ReferenceError.noSpeech) { try ReferencePreparer.prepare(silence, vad: nil) }
        #expect(
            try ReferencePreparer.analyze(silence, vad: nil).warnings.map(\.code) == ["reference.no_speech", "reference.energy_detector"])
    }

    @Test func degenerateBuffersAreTypedErrors() throws {
        let vad = try Self.vad.get()
        for detector in [vad, nil] {
            #expect(throws: ReferenceError.empty) {
                try ReferencePreparer.prepare(AudioBuffer(samples: [], sampleRate: 22050), vad: detector)
            }
            #expect(throws: ReferenceError.empty) { try ReferencePreparer.analyze(AudioBuffer(samples: [], sampleRate: 0), vad: detector) }
            #expect(throws: ReferenceError.tooShort(speechSeconds: 1.0 / 22050, minimum: 1)) {
                try ReferencePreparer.prepare(AudioBuffer(samples: [0.5], sampleRate: 22050), vad: detector)
            }
            let one = try ReferencePreparer.analyze(AudioBuffer(samples: [0.5], sampleRate: 22050), vad: detector)
            #expect(one.has(.noSpeech) && one.snrDB == nil)
            #expect(throws: AudioError.implausibleSampleRate(0)) {
                try ReferencePreparer.prepare(AudioBuffer(samples: [0.1, 0.2], sampleRate: 0), vad: detector)
            }
            #expect(throws: AudioError.implausibleSampleRate(-8000)) {
                try ReferencePreparer.analyze(AudioBuffer(samples: [0.1, 0.2], sampleRate: -8000), vad: detector)
            }
            var broken = ReferenceClips.silence(2).samples
            broken[10] = .nan
            broken[20] = .infinity
            #expect(throws: ReferenceError.invalidSamples(count: 2)) {
                try ReferencePreparer.prepare(AudioBuffer(samples: broken, sampleRate: 22050), vad: detector)
            }
        }
        #expect(ReferenceError.invalidSamples(count: 2).message.contains("again"))
    }

    @Test func energyFallbackFindsSpeech() async throws {
        let words = try await ReferenceClips.speech("Without the model, the signal energy still finds where the speech is.")
        let padded = ReferenceClips.join([ReferenceClips.silence(1), words, ReferenceClips.silence(1)])
        let prepared = try ReferencePreparer.prepare(padded, vad: nil)
        #expect(prepared.report.detector == .energy)
        #expect(prepared.report.warnings.map(\.code) == ["reference.energy_detector"])
        #expect(prepared.audio.duration < padded.duration - 1.5)
        #expect(prepared.audio.duration > words.duration - 0.6)
    }

    @Test func reportRoundTripsThroughJSON() async throws {
        let words = try await ReferenceClips.speech("A report travels as JSON.")
        let report = try ReferencePreparer.analyze(words, vad: try Self.vad.get())
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(ReferenceQualityReport.self, from: data) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["detector"] as? String == "silero-vad")
        #expect((object["warnings"] as? [[String: Any]])?.first?["code"] as? String == "reference.short")
    }
}

/// Real speech and signals for the reference tests.
enum ReferenceClips {
    /// The rate espeak-ng speaks at, used for every clip here.
    static let sampleRate = 22050

    /// Real speech from the espeak-ng engine, at 22 050 Hz.
    static func speech(_ text: String) async throws -> AudioBuffer {
        let engine = try await EspeakSynthesizer.load(TestEnvironment.model("espeak-en-us"))
        let audio = try await CollectedSynthesis.run(engine, SynthesisRequest(text: text)).audio
        precondition(audio.sampleRate == sampleRate, "espeak-ng changed its rate to \(audio.sampleRate)")
        return audio
    }

    /// Digital silence.
    static func silence(_ seconds: Double) -> AudioBuffer {
        AudioBuffer(samples: [Float](repeating: 0, count: Int(seconds * Double(sampleRate))), sampleRate: sampleRate)
    }

    /// Reproducible uniform white noise in ±`amplitude`.
    static func noise(seconds: Double, amplitude: Float, seed: UInt64) -> AudioBuffer {
        var generator = SplitMix64(seed: seed)
        let count = Int((seconds * Double(sampleRate)).rounded())
        return AudioBuffer(
            samples: (0..<count).map { _ in Float.random(in: -amplitude...amplitude, using: &generator) },
            sampleRate: sampleRate)
    }

    /// `audio` amplified by `gain` and hard-clipped to ±1.
    static func scaled(_ audio: AudioBuffer, by gain: Float) -> AudioBuffer {
        AudioBuffer(samples: audio.samples.map { min(max($0 * gain, -1), 1) }, sampleRate: audio.sampleRate)
    }

    /// The clips one after another.
    static func join(_ parts: [AudioBuffer]) -> AudioBuffer {
        var joined = AudioBuffer(samples: [], sampleRate: sampleRate)
        for part in parts { joined.append(part) }
        return joined
    }
}
