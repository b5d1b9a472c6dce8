import Foundation
import GLMTTSTestSupport
import Testing

/// `glmtts transcribe` and the automatic reference transcription of `glmtts synth`.
@Suite(.serialized) struct TranscribeCommandTests {
    static func speech(_ text: String, model: String? = nil) async throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tx-\(UUID().uuidString).wav")
        let made = try await CLI.run(["synth", text, "-o", url.path, "--quiet"] + (model.map { ["--model", $0] } ?? []))
        #expect(made.status == 0, "\(made.stderr)")
        return url
    }

    @Test func transcribesAFile() async throws {
        let sentence = "Good morning, the coffee is ready in the kitchen."
        let file = try await Self.speech(sentence)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await CLI.run(["transcribe", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        // Piper's noise is not seeded, so Whisper's exact words vary: most of the sentence.
        let recall = Transcriber.wordRecall(expected: sentence, heard: result.stdout)
        #expect(recall >= Transcriber.workingRecall, "recall \(recall), heard \"\(result.stdout)\"")
        let json = try await CLI.run(["transcribe", file.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        #expect((object["segments"] as? [Any])?.isEmpty == false)
        #expect(object["language"] as? String == "en")
        // The same file through the same recognizer: --json carries the same words.
        let text = try #require(object["text"] as? String)
        let similarity = transcriptSimilarity(result.stdout, text)
        #expect(similarity >= sameAudio, "similarity \(similarity): plain \"\(result.stdout)\", --json \"\(text)\"")
    }

    @Test func synthWithoutPromptTextTranscribesTheReferenceAndSaysSo() async throws {
        let sentence = "This is the reference recording of my voice for the test."
        let reference = try await Self.speech(sentence)
        defer { try? FileManager.default.removeItem(at: reference) }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("o-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try await CLI.run(["synth", "Hello.", "--voice", reference.path, "-o", out.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect(object["referenceTextTranscribed"] as? Bool == true)
        // Whisper hears the prepared (trimmed) clip of unseeded audio: most of the sentence.
        let heard = object["referenceText"] as? String ?? ""
        let recall = Transcriber.wordRecall(expected: sentence, heard: heard)
        #expect(recall >= Transcriber.workingRecall, "recall \(recall), heard \"\(heard)\"")
        let plain = try await CLI.run(["synth", "Hello.", "--voice", reference.path, "-o", out.path])
        #expect(plain.stderr.contains("reference text (transcribed)"))
    }

    @Test func skipWhisperDoesNotTranscribe() async throws {
        let reference = try await Self.speech("This is the reference recording of my voice for the test.")
        defer { try? FileManager.default.removeItem(at: reference) }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("o-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try await CLI.run(["synth", "Hello.", "--voice", reference.path, "--skip-whisper", "-o", out.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect(object["referenceTextTranscribed"] as? Bool == false)
        #expect(object["referenceText"] == nil || object["referenceText"] is NSNull)
    }

    @Test func aMandarinReferenceIsTranscribedInChinese() async throws {
        // With Whisper base installed the clip's language is identified and base transcribes
        // it (the English-only refusal is covered by TranscriptionTests, with tiny.en alone).
        let reference = try await Self.speech("我们明天下午在图书馆见面。", model: "kokoro-jm_kumo")
        defer { try? FileManager.default.removeItem(at: reference) }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: out) }
        // Long enough (over 0.5 s of speech) for its speaker similarity to the clip to be measured.
        let result = try await CLI.run([
            "synth", "Hello, see you at the library tomorrow afternoon.", "--voice", reference.path,
            "-o", out.path, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect(object["referenceTextTranscribed"] as? Bool == true)
        let heard = object["referenceText"] as? String ?? ""
        #expect(heard.contains("明天") || heard.contains("图书馆"), "heard \(heard)")
        #expect((object["speakerSimilarity"] as? Double).map { (-1...1).contains($0) } == true)
        let transcribed = try await CLI.run(["transcribe", reference.path])
        #expect(transcribed.status == 0, "\(transcribed.stderr)")
        #expect(transcribed.stdout.contains("图书馆") || transcribed.stdout.contains("明天"), "\(transcribed.stdout)")
    }

    @Test func badInputToTranscribe() async throws {
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("t-\(UUID().uuidString).wav")
        try Data("not audio".utf8).write(to: text)
        defer { try? FileManager.default.removeItem(at: text) }
        let notAudio = try await CLI.run(["transcribe", text.path])
        #expect(notAudio.status == 2)
        #expect(notAudio.stderr.contains("error: "))
        let missing = try await CLI.run(["transcribe", "/nonexistent.wav"])
        #expect(missing.status == 3)
        let silence = FileManager.default.temporaryDirectory.appendingPathComponent("s-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: silence) }
        var wav = Data("RIFF".utf8)
        func le<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { wav.append(contentsOf: $0) } }
        le(UInt32(36 + 64000))
        wav.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16))
        le(UInt16(1))
        le(UInt16(1))
        le(UInt32(16000))
        le(UInt32(32000))
        le(UInt16(2))
        le(UInt16(16))
        wav.append(contentsOf: Array("data".utf8))
        le(UInt32(64000))
        wav.append(Data(count: 64000))
        try wav.write(to: silence)
        let quiet = try await CLI.run(["transcribe", silence.path])
        #expect(quiet.status == 0)
        #expect(quiet.stderr.contains("warning: "), "\(quiet.stderr)")
    }
}
