import Foundation
import Testing

/// `glmtts synth` end to end: the real binary, the real default voice.
@Suite(.serialized) struct SynthCommandTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-synth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesEveryFormat() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for format in ["wav", "mp3", "opus", "flac", "aac", "pcm"] {
            let out = folder.appendingPathComponent("hello.\(format)")
            let result = try await CLI.run(["synth", "Hello from the command line.", "-o", out.path, "--quiet"])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            let size = (try? FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0
            #expect(size > 1000, "\(format) output is \(size) bytes")
        }
    }

    @Test func jsonSummaryReportsParameters() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("p.wav")
        let result = try await CLI.run([
            "synth", "Testing parameters.", "-o", out.path, "--json",
            "--param", "temperature=0.5", "--param", "top_p=0.7", "--param", "speed=1.2",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["sampleRate"] as? Int == 22050)
        #expect(json["voice"] as? String == "en_US-joe-medium")
        let applied = try #require(json["applied"] as? [String: String])
        let ignored = try #require(json["ignored"] as? [String: String])
        #expect(applied.keys.sorted() == ["speed", "temperature"])
        #expect(ignored["top_p"]?.isEmpty == false)
        #expect((json["durationSeconds"] as? Double ?? 0) > 0.5)
    }

    @Test func verifyChecksEverySentenceAndReportsIt() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("v.wav")
        let result = try await CLI.run(["synth", "One sentence here. And a second one.", "-o", out.path, "--json", "--verify"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let sentences = try #require(json["verification"] as? [[String: Any]])
        #expect(sentences.map { $0["text"] as? String } == ["One sentence here.", "And a second one."])
        #expect(sentences.allSatisfy { ($0["attempts"] as? Int ?? 0) >= 1 && $0["heard"] is String })
    }

    @Test func writesToStandardOutput() async throws {
        let result = try await CLI.run(["synth", "Piped.", "-o", "-", "--format", "wav"])
        #expect(result.status == 0)
        #expect(result.stdoutData.prefix(4) == Data("RIFF".utf8))
    }

    /// WAV and raw PCM to standard output go out sentence by sentence (a header with unknown
    /// sizes, then samples), normalised from the opening's level like the file is from the whole.
    @Test func streamsWAVAndPCMToStandardOutputAtTheFilesLevel() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = (1...6).map { "This is sentence number \($0) of a text that goes to a pipe." }.joined(separator: " ")
        let wav = try await CLI.run(["synth", text, "-o", "-", "--format", "wav", "--quiet"])
        #expect(wav.status == 0, "\(wav.stderr)")
        let bytes = [UInt8](wav.stdoutData)
        #expect(bytes.count > 44 + 22050 * 2 && bytes.count % 2 == 0)
        #expect(Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[4..<8]) == [255, 255, 255, 255])
        #expect(Array(bytes[36..<40]) == Array("data".utf8) && Array(bytes[40..<44]) == [255, 255, 255, 255])

        let pcm = try await CLI.run(["synth", text, "-o", "-", "--format", "pcm", "--quiet"])
        #expect(pcm.status == 0, "\(pcm.stderr)")
        let file = folder.appendingPathComponent("whole.pcm")
        let whole = try await CLI.run(["synth", text, "-o", file.path, "--quiet"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let streamed = Self.levels(pcm.stdoutData)
        let written = Self.levels(try Data(contentsOf: file))
        #expect(streamed.peak <= 0.9, "the limiter holds peaks under -1 dBFS: \(streamed.peak)")
        #expect(abs(streamed.rmsDB - written.rmsDB) < 2, "streamed \(streamed.rmsDB) dB vs file \(written.rmsDB) dB")
        let fileBytes = Double(try Data(contentsOf: file).count)
        #expect(abs(Double(pcm.stdoutData.count) - fileBytes) < fileBytes * 0.15, "same speech, give or take the VITS duration noise")
    }

    /// Peak (linear) and RMS (dBFS) of 16-bit little-endian mono PCM.
    static func levels(_ data: Data) -> (peak: Double, rmsDB: Double) {
        var peak = 0.0
        var energy = 0.0
        let count = data.count / 2
        data.withUnsafeBytes { raw in
            for index in 0..<count {
                let sample = Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: Int16.self))) / 32768
                peak = max(peak, abs(sample))
                energy += sample * sample
            }
        }
        return (peak, 10 * log10(max(energy / Double(max(count, 1)), 1e-12)))
    }

    @Test func readsTextFromStandardInput() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("stdin.wav")
        let result = try await CLI.run(["synth", "--text-file", "-", "-o", out.path], stdin: Data("From standard input.".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    @Test(
        arguments: [
            (["synth", "", "-o", "/tmp/x.wav"], 2, "empty"),
            (["synth", "   \n\t  ", "-o", "/tmp/x.wav"], 2, "empty"),
            (["synth", "\u{7}\u{1B}[31m\u{200B}", "-o", "/tmp/x.wav"], 2, "invisible"),
            (["synth", "😀🎉👍", "-o", "/tmp/x.wav"], 2, "nothing that can be spoken"),
            (["synth", "Hi", "--param", "temperature=9", "-o", "/tmp/x.wav"], 2, "temperature"),
            (["synth", "Hi", "--param", "banana=1", "-o", "/tmp/x.wav"], 2, "Unknown parameter"),
            (["synth", "Hi", "--param", "top_k=1.5", "-o", "/tmp/x.wav"], 2, "whole number"),
            (["synth", "Hi", "-o", "/tmp/x.xyz"], 2, "format"),
            (["synth", "Hi", "--model", "no-such-voice", "-o", "/tmp/x.wav"], 3, "no-such-voice"),
            (["synth", "Hi", "--model", "../../etc", "-o", "/tmp/x.wav"], 2, "not a valid model id"),
            (["synth", "-o", "/tmp/x.wav"], 2, "No text"),
            (["synth", "Hi", "--text-file", "/nonexistent/file.txt", "-o", "/tmp/x.wav"], 2, "both"),
            (["synth", "--text-file", "/nonexistent/file.txt", "-o", "/tmp/x.wav"], 3, "Cannot read"),
            (["synth", "Hi", "--voice", "/nonexistent.wav", "-o", "/tmp/x.wav"], 3, "Cannot read"),
            (["synth", "Hi", "-o", "/nonexistent-dir/out.wav"], 1, "Cannot write"),
        ] as [([String], Int32, String)])
    func badInputGetsAClearError(arguments: [String], status: Int32, message: String) async throws {
        let result = try await CLI.run(arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("error: "), "\(result.stderr)")
        #expect(result.stderr.localizedCaseInsensitiveContains(message), "\(result.stderr)")
    }

    @Test func mixedScriptsControlCharactersAndEmojiAreCleanedAndSpoken() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("mixed.wav")
        let result = try await CLI.run(["synth", "Hello 你好 Привет 👋\u{7}\u{1B}[31m, numbers 42 and ελληνικά.", "-o", out.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect((json["durationSeconds"] as? Double ?? 0) > 1)
    }

    @Test func megabyteOfTextIsRefused() async throws {
        let text = String(repeating: "word ", count: 200_000)
        let result = try await CLI.run(["synth", "--text-file", "-", "-o", "/tmp/never.wav"], stdin: Data(text.utf8))
        #expect(result.status == 2)
        #expect(result.stderr.contains("limit"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.wav"))
    }

    @Test func binaryTextFileIsRefused() async throws {
        let result = try await CLI.run(["synth", "--text-file", "-", "-o", "/tmp/never.wav"], stdin: Data([0xFF, 0xFE, 0x00, 0xC3]))
        #expect(result.status == 2)
        #expect(result.stderr.contains("UTF-8"))
    }

    @Test func nonAudioReferenceIsRefused() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fake = folder.appendingPathComponent("voice.wav")
        try Data("this is not audio at all".utf8).write(to: fake)
        let result = try await CLI.run(["synth", "Hi", "--voice", fake.path, "-o", folder.appendingPathComponent("o.wav").path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("error: "))
    }

    @Test func referenceWithNonCloningVoiceSaysSoOrFailsWhenRequired() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = folder.appendingPathComponent("ref.wav")
        let made = try await CLI.run([
            "synth", "This is my reference voice, recorded for a short test clip.", "-o", reference.path, "--quiet",
        ])
        #expect(made.status == 0)
        let plain = try await CLI.run([
            "synth", "Hello.", "--voice", reference.path, "--prompt-text", "This is my reference voice.",
            "-o", folder.appendingPathComponent("a.wav").path, "--json",
        ])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("not cloned"))
        let strict = try await CLI.run([
            "synth", "Hello.", "--voice", reference.path, "--require-clone",
            "-o", folder.appendingPathComponent("b.wav").path,
        ])
        #expect(strict.status == 4, "\(strict.stderr)")
        #expect(strict.stderr.contains("cannot clone"))
    }
}
