import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The default recognizer (Whisper tiny.en in the faster-whisper worker) on real speech.
@Suite(.serialized) struct TranscriptionTests {
    static let registry = EngineRegistry(store: TestEnvironment.store, projectRoot: TestEnvironment.packageRoot)

    static let sentences = [
        "The quick brown fox jumps over the lazy dog.",
        "Please call Stella and ask her to bring these things from the store.",
        "The weather forecast says it will rain tomorrow afternoon.",
        "My grandmother baked an apple pie for the family dinner.",
        "We need to finish the report before the meeting on Friday.",
        "He opened the window to let some fresh air into the room.",
        "Our team won the championship after a very difficult season.",
        "Can you tell me how to get to the nearest library?",
        "The children were playing football in the park until sunset.",
        "Scientists have discovered a new species of frog in the rainforest.",
        "I would like a cup of coffee with milk and no sugar.",
        "The museum is closed on Mondays and public holidays.",
        "She has been learning to play the piano for three years.",
        "The old bridge was repaired last spring by the city council.",
        "Turn left at the second traffic light and then go straight ahead.",
        "The doctor advised him to get more sleep and exercise regularly.",
        "Our flight was delayed for two hours because of heavy fog.",
        "Thank you very much for your help with this difficult problem.",
        "A large dog was sleeping peacefully in front of the fireplace.",
        "The students handed in their homework at the end of the lesson.",
        "Why does the kettle always whistle when the water is ready?",
        "Seven hundred people attended the concert in the town square.",
    ]

    static func piper(_ text: String) async throws -> AudioBuffer {
        let engine = try await registry.synthesizer(id: "en_US-joe-medium")
        return try await CollectedSynthesis.run(engine, SynthesisRequest(text: text)).audio
    }

    static func espeak(_ text: String, voice: String) async throws -> AudioBuffer {
        let engine = try await registry.synthesizer(id: voice)
        return try await CollectedSynthesis.run(engine, SynthesisRequest(text: text)).audio
    }

    /// Piper's noise cannot be seeded (see PiperVoiceSettings), so each run hears slightly
    /// different audio and tiny.en's exact words vary; the bound is one a working
    /// recognizer on this voice always meets (runs here: about 1 %), while a broken one
    /// (wrong rate, truncated audio, another language) lands far above it.
    @Test func roundTripWordErrorRateStaysLow() async throws {
        let recognizer = try await Self.registry.recognizer()
        var errors = 0
        var words = 0
        var report: [String] = []
        for sentence in Self.sentences {
            let heard = try await recognizer.transcribe(try await Self.piper(sentence)).text
            let reference = WordErrorRate.words(sentence)
            let sentenceErrors = WordErrorRate.errors(reference: reference, hypothesis: WordErrorRate.words(heard))
            errors += sentenceErrors
            words += reference.count
            if sentenceErrors > 0 { report.append("\"\(sentence)\" → \"\(heard)\"") }
        }
        let rate = Double(errors) / Double(words)
        #expect(
            rate <= WordErrorRate.workingRecognizerBound, "WER \(rate) over \(words) words; misheard: \(report.joined(separator: "; "))")
    }

    @Test func loadsLazilyUnloadsWhenIdleAndReloadsTransparently() async throws {
        let model = try TestEnvironment.model("whisper-tiny.en")
        let recognizer = try FasterWhisperRecognizer(model: model, projectRoot: TestEnvironment.packageRoot, idleTimeout: .seconds(1))
        #expect(await recognizer.isLoaded == false)
        // Long enough that a one-word wobble (see WordErrorRate.similarity) stays above the bound.
        let speech = try await Self.piper("Hello there, general Kenobi. The ship is waiting for you at the northern dock.")
        let first = try await recognizer.transcribe(speech)
        #expect(await recognizer.isLoaded)
        #expect(await recognizer.loadCount == 1)
        await poll("the recognizer to unload after its 1 s idle timeout") { await recognizer.isLoaded == false }
        let again = try await recognizer.transcribe(speech)
        // The same buffer through the same model: the reloaded worker hears what the first one did.
        let similarity = WordErrorRate.similarity(again.text, first.text)
        #expect(similarity >= WordErrorRate.sameAudio, "similarity \(similarity): first \"\(first.text)\", again \"\(again.text)\"")
        #expect(await recognizer.loadCount == 2)
        await recognizer.unload()
    }

    @Test func englishReferenceIsTrusted() async throws {
        let transcriber = ReferenceTranscriber(recognizer: try await Self.registry.recognizer())
        // The point here is that the transcript is *trusted* (no refusal) and English; word
        // accuracy is the round-trip WER test's job. Piper's noise is not seeded, so its audio
        // varies between runs, and tiny.en has heard "cloming" and "chlomming my boys" for
        // "cloning my voice": the calmest voice setting, and most of the sentence kept.
        let engine = try await Self.registry.synthesizer(id: "en_US-joe-medium")
        let sentence = "This is a reference clip for cloning my voice."
        let calm = SynthesisRequest(text: sentence, parameters: try SynthesisParameters(temperature: 0.1))
        let transcript = try await transcriber.transcribe(try await CollectedSynthesis.run(engine, calm).audio)
        let recall = Transcriber.wordRecall(expected: sentence, heard: transcript.text)
        #expect(recall >= Transcriber.workingRecall, "recall \(recall), heard \"\(transcript.text)\"")
        #expect(transcript.language == "en")
    }

    @Test func silenceIsNoSpeech() async throws {
        let transcriber = ReferenceTranscriber(recognizer: try await Self.registry.recognizer())
        let silence = AudioBuffer(samples: [Float](repeating: 0, count: 16000 * 3), sampleRate: 16000)
        await #expect(throws: TranscriptionError.noSpeech(recognizer: "whisper-tiny.en")) { _ = try await transcriber.transcribe(silence) }
    }

    @Test func noiseIsNotTrusted() async throws {
        let transcriber = ReferenceTranscriber(recognizer: try await Self.registry.recognizer())
        var generator = SplitMix64(seed: 99)
        let noise = AudioBuffer(samples: (0..<16000 * 4).map { _ in Float.random(in: -0.3...0.3, using: &generator) }, sampleRate: 16000)
        await #expect(throws: TranscriptionError.self) { _ = try await transcriber.transcribe(noise) }
    }

    @Test func tinyClipIsNotTrusted() async throws {
        let transcriber = ReferenceTranscriber(recognizer: try await Self.registry.recognizer())
        let speech = try await Self.piper("Hello.")
        let tiny = AudioBuffer(samples: Array(speech.samples.prefix(Int(0.2 * Double(speech.sampleRate)))), sampleRate: speech.sampleRate)
        await #expect(throws: TranscriptionError.self) { _ = try await transcriber.transcribe(tiny) }
    }

    @Test(arguments: [
        ("今天天气很好，我们一起去公园散步吧。然后我们去吃饭，好不好？", "espeak-cmn"),
        ("你好，世界。", "espeak-cmn"),
        ("こんにちは、今日はいい天気ですね。一緒に散歩しましょう。", "espeak-ja"),
    ])
    func nonEnglishSpeechToAnEnglishOnlyModelIsRefused(text: String, voice: String) async throws {
        let recognizer = try await Self.registry.recognizer()
        #expect(recognizer.capabilities.englishOnly)
        let transcriber = ReferenceTranscriber(recognizer: recognizer)
        do {
            let transcript = try await transcriber.transcribe(try await Self.espeak(text, voice: voice))
            Issue.record("accepted \"\(transcript.text)\" for \(voice) speech")
        } catch let error as TranscriptionError {
            #expect(error.category == .invalidInput)
            #expect(error.message.contains("--prompt-text"))
        }
    }

    @Test func transcriptsAreCachedByContent() async throws {
        let counting = CountingRecognizer(wrapped: try await Self.registry.recognizer())
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("tx-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let speech = try await Self.piper("Caching saves a second trip to the recognizer.")
        _ = try await ReferenceTranscriber(recognizer: counting, cache: TranscriptCache(directory: cache)).transcribe(speech)
        _ = try await ReferenceTranscriber(recognizer: counting, cache: TranscriptCache(directory: cache)).transcribe(speech)
        #expect(await counting.calls == 1, "the second transcriber reads the disk cache")
        var changed = speech
        changed.samples[100] += 0.01
        _ = try await ReferenceTranscriber(recognizer: counting, cache: TranscriptCache(directory: cache)).transcribe(changed)
        #expect(await counting.calls == 2, "different audio is a different key")
    }

    @Test func pipelineTranscribesAMissingReferenceTextUnlessSkipped() async throws {
        let pipeline = SynthesisPipeline(registry: Self.registry)
        let reference = try AudioEncoder.encode(try await Self.piper("My name is Joe and this is how I sound."), as: .wav)
        let output = try await pipeline.run(SynthesisJob(text: try SpeechText("Hello."), referenceAudio: reference))
        #expect(output.referenceTextTranscribed)
        // The pipeline hears its prepared (trimmed, resampled) clip, not these bytes, so
        // compare with the sentence, tolerantly: Piper's noise is not seeded.
        let recall = Transcriber.wordRecall(expected: "My name is Joe and this is how I sound.", heard: output.referenceText ?? "")
        #expect(recall >= Transcriber.workingRecall, "recall \(recall), heard \"\(output.referenceText ?? "")\"")
        let skipped = try await pipeline.run(
            SynthesisJob(text: try SpeechText("Hello."), referenceAudio: reference, skipTranscription: true))
        #expect(!skipped.referenceTextTranscribed)
        #expect(skipped.referenceText == nil)
        let given = try await pipeline.run(
            SynthesisJob(text: try SpeechText("Hello."), referenceAudio: reference, referenceText: "Given text."))
        #expect(!given.referenceTextTranscribed)
        #expect(given.referenceText == "Given text.")
    }

    @Test func tenMinuteReferenceUsesItsBestWindowAndLongerIsRefused() async throws {
        let pipeline = SynthesisPipeline(registry: Self.registry)
        let sentence = try await Self.espeak("This long recording goes on and on for ten whole minutes.", voice: "espeak-en-us")
        var samples: [Float] = []
        let target = 599 * sentence.sampleRate
        while samples.count < target { samples += sentence.samples + [Float](repeating: 0, count: sentence.sampleRate / 2) }
        let tenMinutes = AudioBuffer(samples: Array(samples.prefix(target)), sampleRate: sentence.sampleRate)
        let flac = try AudioEncoder.encode(tenMinutes, as: .flac)
        let output = try await pipeline.run(SynthesisJob(text: try SpeechText("Hello."), referenceAudio: flac, skipTranscription: true))
        let report = try #require(output.referenceReport)
        #expect(report.durationSeconds > 598)
        #expect(report.preparedSeconds <= ReferencePreparer.maxWindow + 0.31)
        #expect(report.warnings.contains { $0.code == "reference.long" })
        let longer = try AudioEncoder.encode(
            AudioBuffer(samples: samples + samples.prefix(sentence.sampleRate * 5), sampleRate: sentence.sampleRate), as: .flac)
        await #expect(throws: AudioError.self) {
            _ = try await pipeline.run(SynthesisJob(text: try SpeechText("Hello."), referenceAudio: longer))
        }
    }
}

/// Wraps the real recognizer and counts calls (to observe the cache).
actor CountingRecognizer: SpeechRecognizer {
    let wrapped: any SpeechRecognizer
    private(set) var calls = 0
    nonisolated var id: String { wrapped.id }
    nonisolated var capabilities: RecognizerCapabilities { wrapped.capabilities }
    init(wrapped: any SpeechRecognizer) { self.wrapped = wrapped }
    func transcribe(_ audio: AudioBuffer, language: String?) async throws -> Transcript {
        calls += 1
        return try await wrapped.transcribe(audio, language: language)
    }
}
