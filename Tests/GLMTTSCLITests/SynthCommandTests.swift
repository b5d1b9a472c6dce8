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

    @Test func writesToStandardOutput() async throws {
        let result = try await CLI.run(["synth", "Piped.", "-o", "-", "--format", "wav"])
        #expect(result.status == 0)
        #expect(result.stdoutData.prefix(4) == Data("RIFF".utf8))
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
