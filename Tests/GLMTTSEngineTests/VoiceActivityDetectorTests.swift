import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// Silero VAD through sherpa-onnx, on real speech from espeak-ng.
@Suite(.serialized) struct VoiceActivityDetectorTests {
    static let vad = Result { try VoiceActivityDetector(store: TestEnvironment.store) }

    /// The Silero files the silero-vad package ships (the test store holds `silero_vad.onnx`).
    static func shippedModel(_ name: String) throws -> URL {
        let url = TestEnvironment.sitePackages("silero_vad/data/\(name)")
        if FileManager.default.fileExists(atPath: url.path) { return url }
        throw TestEnvironment.SetupError(message: "silero_vad/data/\(name) is not in the project venv: run scripts/bootstrap")
    }

    @Test func findsSpeechBetweenSilences() async throws {
        let vad = try Self.vad.get()
        let words = try await ReferenceClips.speech("The quick brown fox jumps over the lazy dog.")
        let padded = ReferenceClips.join([ReferenceClips.silence(2), words, ReferenceClips.silence(2)])
        let segments = try vad.speechSegments(in: padded)
        let first = try #require(segments.first)
        let last = try #require(segments.last)
        let speechStart = 2.0
        let speechEnd = 2 + words.duration
        #expect(abs(first.start - speechStart) <= 0.3, "\(segments)")
        #expect(abs(last.end - speechEnd) <= 0.3, "\(segments)")
        #expect(segments.allSatisfy { $0.start >= speechStart - 0.3 && $0.end <= speechEnd + 0.3 && $0.duration > 0 }, "\(segments)")
    }

    @Test func timesAreInTheOriginalAudioAtAnyRate() async throws {
        let vad = try Self.vad.get()
        let words = try await ReferenceClips.speech("Timing must not depend on the sample rate of the upload.")
        let padded = ReferenceClips.join([ReferenceClips.silence(1.5), words, ReferenceClips.silence(1)])
        let native = try vad.speechSegments(in: padded)
        for rate in [16_000, 48_000, 8_000] {
            let converted = try Resampler.resample(padded, to: rate)
            let segments = try vad.speechSegments(in: converted)
            #expect(segments.count == native.count, "\(rate) Hz: \(segments) vs \(native)")
            for (a, b) in zip(segments, native) {
                #expect(abs(a.start - b.start) < 0.1 && abs(a.end - b.end) < 0.1, "\(rate) Hz: \(segments) vs \(native)")
            }
            #expect(segments.allSatisfy { $0.end <= converted.duration + 1e-9 })
        }
    }

    @Test func resetsBetweenCalls() async throws {
        let vad = try Self.vad.get()
        let words = try await ReferenceClips.speech("Each call starts from a clean state.")
        let clip = ReferenceClips.join([ReferenceClips.silence(1), words, ReferenceClips.silence(1)])
        let once = try vad.speechSegments(in: clip)
        // A clip that ends in the middle of speech must not leak into the next call.
        _ = try vad.speechSegments(
            in: AudioBuffer(samples: Array(words.samples.prefix(words.samples.count / 2)), sampleRate: words.sampleRate))
        let again = try vad.speechSegments(in: clip)
        #expect(!once.isEmpty)
        #expect(once == again)
    }

    @Test func sharedDetectorGivesTheSameAnswersConcurrently() async throws {
        let vad = try Self.vad.get()
        let words = try await ReferenceClips.speech("One detector, many callers.")
        let clip = ReferenceClips.join([ReferenceClips.silence(0.8), words, ReferenceClips.silence(0.8)])
        let expected = try vad.speechSegments(in: clip)
        let results = try await withThrowingTaskGroup(of: [SpeechSegment].self) { group in
            for _ in 0..<4 {
                group.addTask { try await BlockingExecutor(label: "vad-test").run { try vad.speechSegments(in: clip) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0 == expected })
    }

    @Test func silenceHasNoSpeech() throws {
        let vad = try Self.vad.get()
        #expect(try vad.speechSegments(in: ReferenceClips.silence(3)).isEmpty)
    }

    /// Silero does not flag white noise as speech, quiet or loud (checked here up to ±0.5
    /// uniform, about −11 dBFS RMS), so a noisy pause stays a pause.
    @Test(arguments: [Float(0.002), 0.05, 0.5])
    func whiteNoiseIsNotSpeech(amplitude: Float) throws {
        let vad = try Self.vad.get()
        #expect(try vad.speechSegments(in: ReferenceClips.noise(seconds: 3, amplitude: amplitude, seed: 7919)).isEmpty)
    }

    @Test func degenerateBuffersDoNotCrash() throws {
        let vad = try Self.vad.get()
        #expect(try vad.speechSegments(in: AudioBuffer(samples: [], sampleRate: 22050)).isEmpty)
        #expect(try vad.speechSegments(in: AudioBuffer(samples: [], sampleRate: 0)).isEmpty)
        #expect(try vad.speechSegments(in: AudioBuffer(samples: [0.5], sampleRate: 22050)).isEmpty)
        #expect(try vad.speechSegments(in: AudioBuffer(samples: [Float](repeating: 0.1, count: 100), sampleRate: 16_000)).isEmpty)
        #expect(throws: AudioError.implausibleSampleRate(100)) {
            try vad.speechSegments(in: AudioBuffer(samples: [0, 0.1, 0.2], sampleRate: 100))
        }
    }

    @Test func loadsTheShippedVariantsSherpaAccepts() async throws {
        let words = try await ReferenceClips.speech("The op fifteen export works as well.")
        let clip = ReferenceClips.join([ReferenceClips.silence(1), words, ReferenceClips.silence(1)])
        for name in ["silero_vad.onnx", "silero_vad_16k_op15.onnx"] {
            let vad = try VoiceActivityDetector(modelURL: try Self.shippedModel(name))
            let segments = try vad.speechSegments(in: clip)
            #expect(!segments.isEmpty, "\(name)")
        }
    }

    /// sherpa-onnx ends the process (exit -1) for these; the detector must refuse them first.
    @Test func refusesModelsSherpaWouldDieOn() throws {
        var models = try ["silero_vad_half.onnx", "silero_vad_op18_ifless.onnx", "silero_vad_16k_sequence.onnx"].map(Self.shippedModel)
        models.append(try TestEnvironment.model("en_US-joe-medium").fileURL("model"))
        for url in models {
            do {
                _ = try VoiceActivityDetector(modelURL: url)
                Issue.record("\(url.lastPathComponent) was accepted")
            } catch let error as ReferenceError {
                guard case let .vadUnavailable(reason) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(reason.contains("not a Silero VAD"), "\(reason)")
                #expect(error.message.contains("scripts/prepare-models"))
                #expect(error.category == .unavailable)
            }
        }
    }

    @Test func badModelFilesAreClearErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("text.onnx")
        let empty = folder.appendingPathComponent("empty.onnx")
        let truncated = folder.appendingPathComponent("truncated.onnx")
        try Data("this is not a model".utf8).write(to: text)
        try Data().write(to: empty)
        try Data(try Data(contentsOf: Self.shippedModel("silero_vad.onnx")).prefix(5000)).write(to: truncated)
        for url in [text, empty, truncated, folder.appendingPathComponent("missing.onnx"), folder] {
            #expect(throws: ReferenceError.self, "\(url.lastPathComponent)") { try VoiceActivityDetector(modelURL: url) }
        }
        do {
            _ = try VoiceActivityDetector(modelURL: folder.appendingPathComponent("missing.onnx"))
        } catch let error as ReferenceError {
            #expect(error.code == "reference.vad_unavailable")
            #expect(error.message.contains("missing"))
        }
    }

    @Test func storeWithoutAVADModelNamesTheFix() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vad-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try VoiceActivityDetector(store: ModelStore(directory: folder))
            Issue.record("an empty store gave a detector")
        } catch let error as ReferenceError {
            #expect(error == .vadUnavailable(reason: "no silero-vad model is installed in \(folder.path)"))
            #expect(error.message.contains("scripts/prepare-models"))
        }
        // A manifest that names a file that is not there.
        let store = ModelStore(directory: folder)
        _ = try store.write(
            ModelManifest(
                id: "silero-vad", engine: .sileroVAD, description: "test", sampleRate: 16_000,
                languages: ["*"], files: ["model": "silero_vad.onnx"], licence: "MIT",
                capabilities: ManifestCapabilities(canClone: false, streaming: false)))
        #expect(throws: ModelError.missingFile(model: "silero-vad", file: "silero_vad.onnx")) {
            try VoiceActivityDetector(store: store)
        }
    }
}
