import Foundation
import GLMTTSServer
import Testing

/// Replays the committed corpus of the `form` fuzz target (Tests/fixtures/fuzz/form, grown
/// by `scripts/fuzz form`) through the same entry point the fuzzer calls. `FormFuzzEntry`
/// traps when an input would make the server answer anything but a parsed form or a 4xx
/// problem, so a regression on one of these inputs crashes this test.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/fuzz/form")

    static func run(_ name: String) async throws -> FormFuzzEntry.Outcome {
        await FormFuzzEntry.run(Array(try Data(contentsOf: corpus.appendingPathComponent(name))))
    }

    @Test func everyCorpusInputParsesOrIsRefusedWithAClientError() async throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: [.isRegularFileKey])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        #expect(files.count >= 10, "the form corpus is missing (\(Self.corpus.path))")
        for file in files {
            if case let .refused(status, _) = await FormFuzzEntry.run(Array(try Data(contentsOf: file))) {
                #expect((400..<500).contains(status), "\(file.lastPathComponent)")
            }
        }
    }

    @Test func theSeedsDoWhatTheirNamesSay() async throws {
        #expect(try await Self.run("seed-multipart-text.txt") == .parsed(fields: 1, file: false))
        #expect(try await Self.run("seed-multipart-full.txt") == .parsed(fields: 3, file: true))
        #expect(try await Self.run("seed-multipart-quoted-boundary.txt") == .parsed(fields: 1, file: false))
        #expect(try await Self.run("seed-urlencoded.txt") == .parsed(fields: 2, file: false))
        #expect(try await Self.run("seed-json.txt") == .parsed(fields: 2, file: false))
        #expect(try await Self.run("seed-urlencoded-bad-utf8.txt") == .refused(status: 400, code: "request.malformed"))
        guard case .refused = try await Self.run("seed-multipart-duplicate.txt") else {
            Issue.record("a text field sent twice was accepted")
            return
        }
    }
}
