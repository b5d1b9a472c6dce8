import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// Window splitting, the result → `Transcript` mapping, the auto-transcription rule on it, and how `EngineRegistry` picks recognizers.
extension SherpaOfflineRecognizerTests {
    // MARK: windows

    static func noise(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(generator.next() % 1_000) / 1_000 - 0.4995 }
    }

    /// Checks that `windows` cover 0..<count contiguously, none empty or longer than `limit`
    /// (one expectation, however many windows).
    static func checkCover(_ windows: [Range<Int>], count: Int, limit: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        var problems: [String] = []
        if windows.first?.lowerBound != 0 { problems.append("does not start at 0") }
        if windows.last?.upperBound != count { problems.append("does not end at \(count)") }
        for (previous, next) in zip(windows, windows.dropFirst()) where previous.upperBound != next.lowerBound {
            problems.append("gap or overlap between \(previous) and \(next)")
        }
        for window in windows where window.isEmpty || window.count > limit {
            problems.append("window \(window) is empty or longer than \(limit)")
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test func shortAudioIsOneWindowAndEmptyAudioNone() {
        #expect(SherpaAudioWindows.split([], sampleRate: 16_000, maxSeconds: 28).isEmpty)
        #expect(SherpaAudioWindows.split([0.1], sampleRate: 16_000, maxSeconds: 28) == [0..<1])
        let exactly = Self.noise(28 * 16_000, seed: 1)
        #expect(SherpaAudioWindows.split(exactly, sampleRate: 16_000, maxSeconds: 28) == [0..<exactly.count])
        let oneMore = exactly + [0.2]
        let split = SherpaAudioWindows.split(oneMore, sampleRate: 16_000, maxSeconds: 28)
        #expect(split.count == 2)
        Self.checkCover(split, count: oneMore.count, limit: 28 * 16_000)
    }

    @Test func longAudioIsCutAtTheQuietPointNearEachLimit() {
        let rate = 16_000
        var samples = Self.noise(100 * rate, seed: 7)
        // 60 ms of silence 1.5 s before the first 28 s limit, and another 2 s before the next.
        let quiet1 = Int(26.5 * Double(rate))..<(Int(26.5 * Double(rate)) + 960)
        for index in quiet1 { samples[index] = 0 }
        let windows = SherpaAudioWindows.split(samples, sampleRate: rate, maxSeconds: 28)
        Self.checkCover(windows, count: samples.count, limit: 28 * rate)
        #expect(windows.count == 4)
        #expect(quiet1.contains(windows[0].upperBound), "first cut at \(windows[0].upperBound), silence at \(quiet1)")
        let second = windows[1].lowerBound + 26 * rate
        let quiet2 = second..<(second + 960)
        for index in quiet2 { samples[index] = 0 }
        let again = SherpaAudioWindows.split(samples, sampleRate: rate, maxSeconds: 28)
        #expect(again[0] == windows[0])
        #expect(quiet2.contains(again[1].upperBound), "second cut at \(again[1].upperBound), silence at \(quiet2)")
        Self.checkCover(again, count: samples.count, limit: 28 * rate)
        // Cuts never go further back than the 3 s look-back.
        for window in again.dropLast() { #expect(window.count >= 25 * rate) }
    }

    @Test func windowsCoverEverySampleForAnyLengthAndLimit() {
        var generator = SplitMix64(seed: 0xC0FFEE)
        for trial in 0..<200 {
            let rate = [8_000, 16_000, 1_000, 100, 7][Int(generator.next() % 5)]
            let maxSeconds = [0.0001, 0.01, 0.5, 1, 3.3, 28][Int(generator.next() % 6)]
            let count = Int(generator.next() % 20_000)
            let samples = Self.noise(count, seed: UInt64(trial))
            let windows = SherpaAudioWindows.split(samples, sampleRate: rate, maxSeconds: maxSeconds)
            if count == 0 {
                #expect(windows.isEmpty)
                continue
            }
            Self.checkCover(windows, count: count, limit: max(Int(maxSeconds * Double(rate)), 1))
        }
    }

    // MARK: results

    @Test func languageLabelsBecomePlainCodes() {
        let cases: [(String, String?)] = [
            ("<|en|>", "en"), ("en", "en"), (" <|yue|> ", "yue"), ("<|ZH|>", "zh"),
            ("<|nospeech|>", nil), ("<|NoSpeech|>", nil), ("", nil), ("   ", nil), ("<||>", nil),
        ]
        for (label, code) in cases { #expect(SherpaTranscriptBuilder.languageCode(label) == code, "\(label.debugDescription)") }
    }

    typealias Decoded = SherpaDecodedWindow

    @Test func windowsJoinIntoOneTranscript() {
        let windows = [
            Decoded(offset: 0, duration: 27.5, text: " Hello there. ", timestamps: [0.5, 0.75]),
            Decoded(offset: 27.5, duration: 10, text: "\n", timestamps: []),
            Decoded(offset: 37.5, duration: 2.5, text: "General Kenobi.", timestamps: [30]),
        ]
        let transcript = SherpaTranscriptBuilder.transcript(from: windows, family: .moonshine, languages: ["en"], duration: 40)
        #expect(transcript.text == "Hello there. General Kenobi.")
        #expect(transcript.language == "en")  // the manifest's only language
        #expect(transcript.languageProbability == nil)
        #expect(transcript.duration == 40)
        #expect(
            transcript.segments == [
                TranscriptSegment(start: 0.5, end: 27.5, text: "Hello there."),
                TranscriptSegment(start: 40, end: 40, text: "General Kenobi."),  // a first token past the end is clamped
            ])
        for segment in transcript.segments {
            #expect(segment.averageLogProbability == nil && segment.noSpeechProbability == nil && segment.compressionRatio == nil)
        }

        let empty = SherpaTranscriptBuilder.transcript(from: [], family: .whisper, languages: ["en", "de"], duration: 0)
        #expect(empty == Transcript(text: "", language: nil, languageProbability: nil, duration: 0, segments: []))
    }

    @Test func cjkWindowsJoinWithoutASpace() {
        let windows = [
            Decoded(offset: 0, duration: 28, text: "你好", language: "<|zh|>"),
            Decoded(offset: 28, duration: 28, text: "世界。", language: "<|zh|>"),
            Decoded(offset: 56, duration: 5, text: "OK", language: "<|en|>"),
            Decoded(offset: 61, duration: 5, text: "谢谢", language: "<|zh|>"),
        ]
        let transcript = SherpaTranscriptBuilder.transcript(
            from: windows, family: .senseVoice,
            languages: ["zh", "en", "ja", "ko", "yue"], duration: 66)
        #expect(transcript.text == "你好世界。 OK 谢谢")
        #expect(transcript.language == "zh")
        #expect(transcript.segments.map(\.text) == ["你好", "世界。", "OK", "谢谢"])
    }

    @Test func theLanguageIsTheOneHeardLongest() {
        let windows = [
            Decoded(offset: 0, duration: 5, text: "hello", language: "<|en|>"),
            Decoded(offset: 5, duration: 20, text: "こんにちは", language: "<|ja|>"),
            Decoded(offset: 25, duration: 10, text: "hi again", language: "<|en|>"),
            Decoded(offset: 35, duration: 30, text: "", language: "<|ko|>"),  // no text: does not count
        ]
        let transcript = SherpaTranscriptBuilder.transcript(
            from: windows, family: .senseVoice, languages: ["en", "ja", "ko"], duration: 65)
        #expect(transcript.language == "ja")
        // Ties go to the alphabetically first code, so the result does not depend on hashing.
        let tied = SherpaTranscriptBuilder.transcript(
            from: [Decoded(offset: 0, duration: 5, text: "a", language: "zh"), Decoded(offset: 5, duration: 5, text: "b", language: "en")],
            family: .whisper, languages: ["en", "zh"], duration: 10)
        #expect(tied.language == "en")
        // No label and several manifest languages: unknown.
        let unlabelled = SherpaTranscriptBuilder.transcript(
            from: [Decoded(offset: 0, duration: 5, text: "hallo")], family: .whisper, languages: ["en", "de"], duration: 5)
        #expect(unlabelled.language == nil)
    }

    @Test func senseVoiceNoSpeechTagAndLogProbabilitiesAreCarried() {
        let windows = [
            Decoded(offset: 0, duration: 4, text: "嗯", language: "<|nospeech|>"),
            Decoded(offset: 4, duration: 4, text: "yes", language: "<|en|>", logProbabilities: [-0.5, -1.5]),
        ]
        let transcript = SherpaTranscriptBuilder.transcript(from: windows, family: .senseVoice, languages: ["zh", "en"], duration: 8)
        #expect(transcript.segments[0].noSpeechProbability == 1)
        #expect(transcript.segments[0].averageLogProbability == nil)
        #expect(transcript.segments[1].noSpeechProbability == nil)
        #expect(transcript.segments[1].averageLogProbability == -1)
        #expect(transcript.language == "en")
        // The tag means nothing for other families.
        let whisper = SherpaTranscriptBuilder.transcript(from: [windows[0]], family: .whisper, languages: ["zh"], duration: 4)
        #expect(whisper.segments[0].noSpeechProbability == nil)
    }

    @Test func sherpaSegmentsAreOffsetByTheirWindow() {
        let window = Decoded(
            offset: 28, duration: 10, text: "one two", timestamps: [0.1],
            segments: [
                .init(start: 1, duration: 2, text: " one "), .init(start: 4, duration: 1, text: " "),
                .init(start: -1, duration: -3, text: "two"),
            ])
        let transcript = SherpaTranscriptBuilder.transcript(from: [window], family: .whisper, languages: ["en"], duration: 38)
        #expect(
            transcript.segments == [
                TranscriptSegment(start: 29, end: 31, text: "one"),
                TranscriptSegment(start: 28, end: 28, text: "two"),
            ])
        #expect(transcript.text == "one two")
    }

    // MARK: the auto-transcription rule on these transcripts

    struct StubRecognizer: SpeechRecognizer {
        let id: String
        let capabilities: RecognizerCapabilities
        func transcribe(_ audio: AudioBuffer, language: String?) async throws -> Transcript { throw AudioError.noSamples }
    }

    @Test func referenceTranscriberJudgesTranscriptsWithoutConfidence() throws {
        let multilingual = ReferenceTranscriber(
            recognizer: StubRecognizer(
                id: "sense", capabilities: RecognizerCapabilities(languages: ["zh", "en"], englishOnly: false)))
        func transcript(_ windows: [Decoded], _ family: SherpaRecognizerFamily = .senseVoice) -> Transcript {
            SherpaTranscriptBuilder.transcript(from: windows, family: family, languages: ["zh", "en"], duration: 5)
        }
        // No confidence figures: words in a known language pass.
        let english = transcript([Decoded(offset: 0, duration: 5, text: "This is my voice.", language: "<|en|>")])
        #expect(try multilingual.check(english) == english)
        // SenseVoice's no-speech tag refuses it.
        #expect(throws: TranscriptionError.noSpeech(recognizer: "sense")) {
            try multilingual.check(transcript([Decoded(offset: 0, duration: 5, text: "嗯嗯", language: "<|nospeech|>")]))
        }
        // A detected language the manifest does not list.
        #expect(throws: TranscriptionError.unsupportedLanguage(recognizer: "sense", language: "ja")) {
            try multilingual.check(transcript([Decoded(offset: 0, duration: 5, text: "こんにちは", language: "<|ja|>")]))
        }
        // Nothing heard, or digits instead of words.
        #expect(throws: TranscriptionError.noSpeech(recognizer: "sense")) { try multilingual.check(transcript([])) }
        #expect(throws: TranscriptionError.self) {
            try multilingual.check(transcript([Decoded(offset: 0, duration: 5, text: "1-2-1-2-4-3", language: "<|en|>")]))
        }

        // An English-only model (Moonshine tiny.en) has no language check and no confidence
        // to apply its stricter bar to: only the empty-text and letter-share rules remain.
        let englishOnly = ReferenceTranscriber(
            recognizer: StubRecognizer(
                id: "moon", capabilities: RecognizerCapabilities(languages: ["en"], englishOnly: true)))
        let guess = SherpaTranscriptBuilder.transcript(
            from: [Decoded(offset: 0, duration: 5, text: "Nee how my.")], family: .moonshine, languages: ["en"], duration: 5)
        #expect(try englishOnly.check(guess).language == "en")
    }

    // MARK: EngineRegistry

    /// A models directory holding the given manifests (each folder with files `files`, holding
    /// random bytes, except tokens files, which are well-formed).
    static func store(_ entries: [(id: String, engine: EngineKind, files: [String: String])]) throws -> ModelStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sherpa-store-\(UUID().uuidString)")
        let store = ModelStore(directory: directory)
        for entry in entries {
            let manifest = ModelManifest(
                id: entry.id, engine: entry.engine, description: "test", sampleRate: 16_000,
                languages: ["en"], files: entry.files, licence: "test",
                capabilities: ManifestCapabilities(canClone: false, streaming: false))
            let folder = try store.write(manifest).deletingLastPathComponent()
            for name in Set(entry.files.values) {
                try (Self.garbage(name) ?? Data()).write(to: folder.appendingPathComponent(name))
            }
        }
        return store
    }

    @Test func registryRefusesNonRecognizersByName() async throws {
        let store = try Self.store([
            ("voice", .piper, ["model": "model.onnx", "tokens": "tokens.txt"]),
            ("vad", .sileroVAD, ["model": "silero_vad.onnx"]),
            ("whisper-tiny.en", .fasterWhisper, Self.fasterWhisperFiles),
        ])
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let registry = EngineRegistry(store: store, projectRoot: TestEnvironment.packageRoot)
        for (id, engine) in [("voice", "piper"), ("vad", "silero-vad")] {
            let error = await Self.loadError { _ = try await registry.recognizer(id: id) }
            guard case let .invalidManifest(path, reason) = error else {
                Issue.record("\(id): \(String(describing: error))")
                continue
            }
            #expect(path == id)
            #expect(reason == "it is a \(engine) model, not a speech recognizer")
        }
        let unknown = await Self.loadError { _ = try await registry.recognizer(id: "nope") }
        #expect(unknown == .notFound(id: "nope", available: ["vad", "voice", "whisper-tiny.en"]))
        let unsafe = await Self.loadError { _ = try await registry.recognizer(id: "../voice") }
        #expect(unsafe == .invalidID("../voice"))
        // The refusals broke nothing: the default still resolves.
        #expect(try await registry.recognizer().id == "whisper-tiny.en")
    }

    @Test func registryDefaultPrefersWhisperTinyThenFasterWhisperThenTheFirstOther() async throws {
        let preferred = try Self.store([
            ("a-sense", .senseVoice, Self.senseVoiceFiles),
            ("a-whisper", .fasterWhisper, Self.fasterWhisperFiles),
            ("whisper-tiny.en", .fasterWhisper, Self.fasterWhisperFiles),
        ])
        defer { try? FileManager.default.removeItem(at: preferred.directory) }
        let first = try await EngineRegistry(store: preferred, projectRoot: TestEnvironment.packageRoot).recognizer()
        #expect(first.id == "whisper-tiny.en")
        #expect(first is FasterWhisperRecognizer)

        let fasterWhisper = try Self.store([
            ("a-sense", .senseVoice, Self.senseVoiceFiles),
            ("b-vad", .sileroVAD, ["model": "silero_vad.onnx"]),
            ("z-whisper", .fasterWhisper, Self.fasterWhisperFiles),
        ])
        defer { try? FileManager.default.removeItem(at: fasterWhisper.directory) }
        let second = try await EngineRegistry(store: fasterWhisper, projectRoot: TestEnvironment.packageRoot).recognizer()
        #expect(second.id == "z-whisper")

        // Only sherpa-onnx recognizers: the first by id is loaded (and, being garbage, refused by name).
        let sherpaOnly = try Self.store([
            ("b-moon", .moonshine, Self.moonshineFiles),
            ("a-sense", .senseVoice, Self.senseVoiceFiles),
            ("c-voice", .piper, ["model": "model.onnx", "tokens": "tokens.txt"]),
        ])
        defer { try? FileManager.default.removeItem(at: sherpaOnly.directory) }
        let error = await Self.loadError {
            _ = try await EngineRegistry(store: sherpaOnly, projectRoot: TestEnvironment.packageRoot).recognizer()
        }
        guard case let .loadFailed(model, reason) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(model == "a-sense")
        #expect(reason.contains("model file 'model.int8.onnx' is not a usable ONNX model"), "\(reason)")

        let empty = try Self.store([("voice", .piper, ["model": "model.onnx", "tokens": "tokens.txt"])])
        defer { try? FileManager.default.removeItem(at: empty.directory) }
        await #expect(throws: TranscriptionError.noRecognizer) {
            _ = try await EngineRegistry(store: empty, projectRoot: TestEnvironment.packageRoot).recognizer()
        }
    }

    @Test func registryRetriesAFailedSherpaLoad() async throws {
        let store = try Self.store([("moon", .moonshine, Self.moonshineFiles)])
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let registry = EngineRegistry(store: store, projectRoot: TestEnvironment.packageRoot)
        let tokens = store.directory.appendingPathComponent("moon/tokens.txt")
        try Data("a b c\n".utf8).write(to: tokens)
        let first = await Self.loadError { _ = try await registry.recognizer(id: "moon") }
        guard case let .loadFailed(_, firstReason) = first else {
            Issue.record("\(String(describing: first))")
            return
        }
        #expect(firstReason.contains("tokens file 'tokens.txt'"), "\(firstReason)")
        // Fixed on disk: the next request loads again (and now trips over the next problem).
        try Self.goodTokens.write(to: tokens)
        let second = await Self.loadError { _ = try await registry.recognizer(id: "moon") }
        guard case let .loadFailed(_, secondReason) = second else {
            Issue.record("\(String(describing: second))")
            return
        }
        #expect(secondReason.contains("preprocessor file 'preprocess.onnx' is not a usable ONNX model"), "\(secondReason)")
    }
}
