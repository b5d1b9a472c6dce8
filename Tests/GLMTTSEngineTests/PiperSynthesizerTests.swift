import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The default voice, for real: en_US-joe-medium through sherpa-onnx.
@Suite(.serialized) struct PiperSynthesizerTests {
    static let paragraph = """
        The sun rose over the quiet harbor. Fishing boats drifted slowly toward the open sea. \
        A gull cried somewhere above the old lighthouse. Children ran along the wooden pier. \
        Their laughter carried across the calm water. An old man mended his nets in the shade. \
        He had done this every morning for forty years. The smell of salt and tar filled the air. \
        By noon the market was crowded with buyers. Everyone agreed it was a perfect day.
        """

    /// Loaded once for the whole suite (loading takes about a second).
    static let loading = Task { try await PiperSynthesizer.load(TestEnvironment.model("en_US-joe-medium")) }

    static func voice() async throws -> PiperSynthesizer {
        try await loading.value
    }

    @Test func tenSentencesStreamAsTenChunks() async throws {
        let engine = try await Self.voice()
        let result = try await CollectedSynthesis.run(engine, SynthesisRequest(text: Self.paragraph))
        #expect(result.chunks.count == 10)
        #expect(result.chunks.allSatisfy { $0.sampleRate == 22050 })
        #expect(result.summary?.chunkCount == 10)
        #expect(result.summary?.cloned == false)
        let audio = result.audio
        // Ten short sentences at a normal pace: roughly 2–4 words per second.
        #expect(audio.duration > 15 && audio.duration < 45, "duration \(audio.duration)")
        #expect(audio.rms > 0.01, "speech should not be near-silent (rms \(audio.rms))")
        #expect(audio.samples.allSatisfy { $0.isFinite })
        let fractions = result.progress.map(\.fraction)
        #expect(fractions == fractions.sorted(), "progress never goes backwards")
        #expect(fractions.last == 1)
    }

    @Test func reportsAppliedAndIgnoredParameters() async throws {
        let engine = try await Self.voice()
        let result = try await CollectedSynthesis.run(
            engine,
            SynthesisRequest(
                text: "Short test.", parameters: SynthesisParameters(temperature: 1.2, topP: 0.7, topK: 10, seed: 7, speed: 1.5)))
        let report = try #require(result.summary?.parameterReport)
        #expect(Set(report.applied.keys) == [.temperature, .speed])
        #expect(Set(report.ignored.keys) == [.topP, .topK, .samplingStrategy, .seed])
        #expect(report.applied[.temperature]?.contains("1.0") == true, "0.667 × 1.2/0.8 = 1.0 noise scale")
        #expect(report.ignored.values.allSatisfy { !$0.isEmpty })
        #expect(Set(engine.capabilities.honouredParameters) == Set(report.applied.keys))
    }

    @Test func speedReallyChangesDuration() async throws {
        let engine = try await Self.voice()
        let text = "This sentence is spoken at two different speeds to compare their lengths."
        let normal = try await CollectedSynthesis.run(engine, SynthesisRequest(text: text)).audio.duration
        let fast = try await CollectedSynthesis.run(engine, SynthesisRequest(text: text, parameters: SynthesisParameters(speed: 2))).audio
            .duration
        let slow = try await CollectedSynthesis.run(engine, SynthesisRequest(text: text, parameters: SynthesisParameters(speed: 0.5))).audio
            .duration
        #expect(fast < normal * 0.7, "speed 2: \(fast) s vs \(normal) s")
        #expect(slow > normal * 1.5, "speed 0.5: \(slow) s vs \(normal) s")
    }

    @Test func temperatureMapsToNoiseScales() {
        let settings = PiperVoiceSettings(options: ["noiseScale": "0.667", "noiseScaleW": "0.8"])
        #expect(settings.noiseScales(temperature: 0.8) == (0.667, 0.8))
        #expect(settings.noiseScales(temperature: 0.4) == (0.334, 0.4))
        #expect(settings.noiseScales(temperature: 1.5) == (1.251, 1.5))
    }

    @Test func outOfRangeParametersFailTheStream() async throws {
        let engine = try await Self.voice()
        await #expect(throws: ParameterError.self) {
            _ = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "Hi.", parameters: SynthesisParameters(speed: 10)))
        }
    }

    @Test func unpronounceableTextIsATypedError() async throws {
        let engine = try await Self.voice()
        await #expect(throws: EngineError.self) {
            _ = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "   "))
        }
    }

    @Test func cancellingStopsEarly() async throws {
        let engine = try await Self.voice()
        // Six paragraphs (60 sentences): even a consumer that lags far behind cannot have
        // had them all buffered when it cancels after the first.
        let long = Array(repeating: Self.paragraph, count: 6).joined(separator: " ")
        let stream = engine.synthesize(SynthesisRequest(text: long))
        var chunks = 0
        let consumer = Task {
            for try await event in stream {
                if case .chunk = event {
                    chunks += 1
                    if chunks == 1 { withUnsafeCurrentTask { $0?.cancel() } }
                }
            }
            return chunks
        }
        let outcome = await consumer.result
        switch outcome {
        case .success(let count): #expect(count < 60, "cancellation should stop before all 60 sentences (got \(count))")
        case .failure(let error): #expect(error is CancellationError)
        }
    }

    @Test func concurrentRequestsBothComplete() async throws {
        let engine = try await Self.voice()
        async let first = CollectedSynthesis.run(engine, SynthesisRequest(text: "The first request. It has two sentences."))
        async let second = CollectedSynthesis.run(engine, SynthesisRequest(text: "The second request runs at the same time."))
        let (a, b) = try await (first, second)
        #expect(a.chunks.count == 2)
        #expect(b.chunks.count == 1)
    }

    @Test func mixedScriptsAndEmojiDoNotCrash() async throws {
        let engine = try await Self.voice()
        let result = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "Hello 你好 Привет. Numbers 12345 and symbols #@%."))
        #expect(result.audio.duration > 0.5)
    }
}
