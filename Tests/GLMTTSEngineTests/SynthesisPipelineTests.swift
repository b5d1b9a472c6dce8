import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The whole path a request takes, with the default voice, decoded back and heard by Whisper.
@Suite(.serialized) struct SynthesisPipelineTests {
    static let pipeline = SynthesisPipeline(registry: EngineRegistry(store: TestEnvironment.store))

    @Test func paragraphInEveryFormatDecodesBackIntelligibleAtTargetLoudness() async throws {
        var decodedByFormat: [(format: OutputFormat, synthesized: AudioBuffer, decoded: AudioBuffer)] = []
        for format in OutputFormat.allCases {
            let output = try await Self.pipeline.run(
                SynthesisJob(text: try SpeechText(PiperSynthesizerTests.paragraph), outputFormat: format))
            #expect(output.voiceID == "en_US-joe-medium")
            #expect(output.audio.sampleRate == 22050)
            #expect(output.summary.chunkCount == 10)
            let loudness = try #require(LoudnessMeter.integratedLoudness(output.audio))
            #expect(abs(loudness - -16) < 1, "\(format): \(loudness) LUFS")
            let decoded: AudioBuffer
            if format == .pcm {
                decoded = AudioBuffer(
                    samples: stride(from: 0, to: output.encoded.count, by: 2).map { index in
                        Float(output.encoded.subdata(in: index..<index + 2).withUnsafeBytes { $0.loadUnaligned(as: Int16.self) }) / 32767
                    }, sampleRate: 22050)
            } else {
                decoded = try AudioDecoder.decode(output.encoded).audio
                #expect(decoded.sampleRate == (format == .opus ? 48_000 : 22050), "\(format)")
            }
            #expect(abs(decoded.duration - output.audio.duration) < 0.1, "\(format): \(decoded.duration) vs \(output.audio.duration)")
            let decodedLoudness = try #require(LoudnessMeter.integratedLoudness(decoded))
            #expect(abs(decodedLoudness - loudness) < 1, "\(format): \(decodedLoudness) vs \(loudness)")
            decodedByFormat.append((format, output.audio, decoded))
        }
        // Whisper hears each format, decoded back from the bytes, as it hears the same
        // synthesis before encoding (like with like: Piper's noise is not seeded, so each
        // run's audio, and tiny.en's exact words, vary); and that is the paragraph.
        let heard = try await Transcriber.transcribe(decodedByFormat.map(\.synthesized) + decodedByFormat.map(\.decoded))
        #expect(heard.count == 2 * decodedByFormat.count)
        guard heard.count == 2 * decodedByFormat.count else { return }
        for (index, entry) in decodedByFormat.enumerated() {
            let direct = heard[index]
            let decoded = heard[decodedByFormat.count + index]
            let sense = Transcriber.wordRecall(expected: PiperSynthesizerTests.paragraph, heard: direct)
            #expect(sense >= Transcriber.workingRecall, "\(entry.format): recall \(sense) of the paragraph, heard \"\(direct)\"")
            let kept = Transcriber.wordRecall(expected: direct, heard: decoded)
            #expect(kept >= 0.8, "\(entry.format): \(kept) of the words heard before encoding, heard \"\(decoded)\" for \"\(direct)\"")
        }
    }

    @Test func speechIsIntelligible() async throws {
        let sentences = [
            "The quick brown fox jumps over the lazy dog.", "Please call me back after lunch tomorrow.",
            "Seven green apples were sitting on the kitchen table.",
        ]
        var audios: [AudioBuffer] = []
        for sentence in sentences {
            audios.append(try await Self.pipeline.run(SynthesisJob(text: try SpeechText(sentence))).audio)
        }
        let heard = try await Transcriber.transcribe(audios)
        #expect(heard.count == sentences.count)
        for (expected, transcript) in zip(sentences, heard) {
            let recall = Transcriber.wordRecall(expected: expected, heard: transcript)
            #expect(recall >= Transcriber.workingRecall, "recall \(recall): expected \"\(expected)\", heard \"\(transcript)\"")
        }
    }

    @Test func progressRunsForwardToDone() async throws {
        let steps = ProgressLog()
        _ = try await Self.pipeline.run(SynthesisJob(text: try SpeechText("One. Two. Three."))) { steps.append($0) }
        let fractions = steps.all.map(\.fraction)
        #expect(fractions == fractions.sorted())
        #expect(steps.all.last?.stage == .done)
        #expect(steps.all.contains { $0.stage == .synthesizing })
    }

    @Test func referenceWithANonCloningVoiceIsAnalysedAndSaysSo() async throws {
        let reference = try await Self.pipeline.run(
            SynthesisJob(text: try SpeechText("This is my voice, recorded as a reference clip for the test."))
        ).encoded
        let output = try await Self.pipeline.run(
            SynthesisJob(text: try SpeechText("Hello."), referenceAudio: reference, referenceText: "This is my voice."))
        #expect(output.summary.cloned == false)
        #expect(output.notes.contains { $0.contains("not cloned") })
        #expect(output.referenceReport != nil)
        await #expect(throws: ParameterError.cloningUnsupported(engine: "en_US-joe-medium")) {
            _ = try await Self.pipeline.run(SynthesisJob(text: try SpeechText("Hello."), referenceAudio: reference, requireClone: true))
        }
    }

    @Test func badInputsAreTypedErrorsAndThePipelineStaysUsable() async throws {
        await #expect(throws: TextError.self) { _ = try await Self.pipeline.run(SynthesisJob(text: try SpeechText("  "))) }
        await #expect(throws: TextError.self) {
            _ = try await Self.pipeline.run(SynthesisJob(text: try SpeechText(String(repeating: "a ", count: 600_000))))
        }
        #expect(throws: ParameterError.self) { _ = try SynthesisParameters(topK: 0) }
        await #expect(throws: AudioError.self) {
            _ = try await Self.pipeline.run(SynthesisJob(text: try SpeechText("Hi."), referenceAudio: Data("not audio".utf8)))
        }
        await #expect(throws: ModelError.self) {
            _ = try await Self.pipeline.run(SynthesisJob(text: try SpeechText("Hi."), voiceID: "../../etc/passwd"))
        }
        await #expect(throws: ModelError.self) {
            _ = try await Self.pipeline.run(SynthesisJob(text: try SpeechText("Hi."), voiceID: "missing-voice"))
        }
        let output = try await Self.pipeline.run(SynthesisJob(text: try SpeechText("Still working.")))
        #expect(output.audio.duration > 0.3)
    }

    @Test func registryLoadsLazilyAndReloads() async throws {
        let registry = EngineRegistry(store: TestEnvironment.store)
        #expect(await registry.loadedIDs().isEmpty)
        _ = try await registry.synthesizer(id: "espeak-cmn")
        #expect(await registry.loadedIDs() == ["espeak-cmn"])
        await registry.reload()
        #expect(await registry.loadedIDs().isEmpty)
        await #expect(throws: ModelError.self) { _ = try await registry.synthesizer(id: "silero-vad") }
        #expect(try registry.defaultSynthesizerID() == "en_US-joe-medium")
        let configured = EngineRegistry(store: TestEnvironment.store, voiceDefaults: VoiceDefaults(voice: "espeak-ja"))
        #expect(try configured.defaultSynthesizerID() == "espeak-ja")
    }
}

/// Collects progress callbacks from any thread.
final class ProgressLog: @unchecked Sendable {
    // @unchecked Sendable: `steps` is only touched under `lock`.
    private let lock = NSLock()
    private var steps: [SynthesisProgress] = []
    func append(_ step: SynthesisProgress) {
        lock.lock()
        steps.append(step)
        lock.unlock()
    }
    var all: [SynthesisProgress] {
        lock.lock()
        defer { lock.unlock() }
        return steps
    }
}
