import Foundation
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime
import Testing

@testable import GLMTTSServer

/// The server's own small parts: ZIP writer, subtitles, streaming WAV header, form fields,
/// error mapping.
@Suite struct ServerComponentTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(ZipArchiveWriter.crc32(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect(ZipArchiveWriter.crc32(Data()) == 0)
    }

    @Test func zipArchiveIsReadableByUnzip() throws {
        var zip = ZipArchiveWriter()
        var archive = zip.entry(name: "001.wav", data: Data("first".utf8))
        archive += zip.entry(name: "002.wav", data: Data(repeating: 7, count: 10_000))
        archive += zip.finish()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a.zip")
        try archive.write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
            print(",".join(f"{i.filename}:{i.file_size}" for i in z.infolist()))
            """, file.path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "001.wav:5,002.wav:10000")
    }

    @Test func subtitlesHaveNumberedTimedCues() {
        let transcript = Transcript(
            text: "Hello there. Bye.", language: "en", languageProbability: nil, duration: 3.5,
            segments: [
                TranscriptSegment(start: 0, end: 1.25, text: " Hello there."),
                TranscriptSegment(start: 1.25, end: 3661.5, text: " Bye."),
            ])
        #expect(
            SubtitleWriter.write(transcript, vtt: false)
                == "1\n00:00:00,000 --> 00:00:01,250\nHello there.\n\n2\n00:00:01,250 --> 01:01:01,500\nBye.\n\n")
        #expect(SubtitleWriter.write(transcript, vtt: true).hasPrefix("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\n"))
    }

    @Test func streamedWAVDecodesAsOneFile() throws {
        var encoder = SpeechStreamEncoder(format: .wav)
        let tone = AudioBuffer(samples: (0..<22_050).map { Float(sin(Double($0) * 0.05)) * 0.5 }, sampleRate: 22_050)
        var data = try encoder.encode(tone)
        data.append(try encoder.encode(tone))
        data.append(try encoder.finish())
        let decoded = try AudioDecoder.decode(data).audio
        #expect(decoded.sampleRate == 22_050)
        #expect(abs(decoded.duration - 2.0) < 0.01)
    }

    @Test func pcmStreamIs24kHz16Bit() throws {
        var encoder = SpeechStreamEncoder(format: .pcm)
        let second = AudioBuffer(samples: [Float](repeating: 0.1, count: 22_050), sampleRate: 22_050)
        let data = try encoder.encode(second)
        #expect(abs(data.count - 48_000) <= 4)
    }

    @Test func formFieldsParseAndRefuseClearly() async throws {
        var fields = FormFields(maxValueBytes: 16, maxFileBytes: 8)
        try await fields.addValue("top_k", HTTPBody("12"))
        try await fields.addValue("speed", HTTPBody("fast"))
        try await fields.addValue("skip_whisper", HTTPBody("yes"))
        #expect(try fields.integer("top_k", in: 1...100) == 12)
        #expect(try fields.bool("skip_whisper") == true)
        #expect(throws: HTTPProblem.self) { try fields.double("speed", in: 0.25...4) }
        await #expect(throws: HTTPProblem.self) { try await fields.addValue("top_k", HTTPBody("13")) }
        await #expect(throws: HTTPProblem.self) { try await fields.addValue("long", HTTPBody(String(repeating: "x", count: 17))) }
        await #expect(throws: HTTPProblem.self) { try await fields.addValue("bytes", HTTPBody([0xFF, 0xFE])) }
        do {
            try await fields.addFile("prompt_audio", HTTPBody(Data(count: 9)), filename: "x.wav")
            Issue.record("a file over the limit was accepted")
        } catch let problem as HTTPProblem {
            #expect(problem.statusCode == 413 && problem.field == "prompt_audio")
        }
    }

    @Test func errorsMapToStableProblems() {
        let full = ProblemMapper.problem(for: QueueFullError(queued: 5, retryAfterSeconds: 9))
        #expect(full.statusCode == 429 && full.retryAfter == 9)
        let missing = ProblemMapper.problem(
            for: DecodingError.keyNotFound(AnyKey("text"), .init(codingPath: [], debugDescription: "")))
        #expect(missing.statusCode == 422 && missing.field == "text")
        struct Secret: Error { var path = "/work/main/data/secret" }
        let unknown = ProblemMapper.problem(for: Secret())
        #expect(unknown.statusCode == 500 && !unknown.detail.contains("/work"))
    }
}

/// A coding key for building decoding errors in tests.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
