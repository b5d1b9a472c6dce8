import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The default voice on several sessions at once: a long text split across one-thread
/// sessions, concurrent requests on one voice, and a cancelled request in a busy pool. Each
/// test has its own two-core budget, so the sessions it sees do not depend on the machine.
@Suite(.serialized) struct PiperParallelSessionsTests {
    /// Sentences of strictly growing length: their audio must come out growing too, in order.
    static let growing = [
        "Yes.", "Go home now.", "The cat sat on the warm mat.",
        "Every morning the baker opens his small shop before the sun rises.",
        "When the long winter finally ended, the whole village gathered by the river to sing old songs together.",
    ]

    static func voice(_ budget: InferenceThreads) async throws -> PiperSynthesizer {
        try await PiperSynthesizer.load(TestEnvironment.model("en_US-joe-medium"), budget: budget)
    }

    @Test func aLongTextRunsOnParallelSessionsAndComesOutInOrder() async throws {
        let budget = InferenceThreads(cores: 2)
        let engine = try await Self.voice(budget)
        let result = try await CollectedSynthesis.run(engine, SynthesisRequest(text: Self.growing.joined(separator: " ")))
        #expect(result.chunks.count == Self.growing.count)
        let durations = result.chunks.map(\.duration)
        #expect(durations == durations.sorted() && Set(durations).count == durations.count, "chunks in text order: \(durations)")
        #expect(result.progress.map(\.sentence) == Array(0...Self.growing.count), "progress counts sentences in order")
        let usage = await budget.handedOut()
        #expect(usage.peakInUse == 2 && usage.narrow == Self.growing.count && usage.wide == 0, "\(usage)")
        #expect(await budget.available() == 2)
    }

    @Test func aOneRequestProcessSpeaksALongTextInOrderOnTheWideSession() async throws {
        let budget = InferenceThreads(cores: 2)
        await budget.keepLoneRequestsWhole()
        let engine = try await Self.voice(budget)
        let result = try await CollectedSynthesis.run(engine, SynthesisRequest(text: Self.growing.joined(separator: " ")))
        let durations = result.chunks.map(\.duration)
        #expect(durations.count == Self.growing.count && durations == durations.sorted(), "chunks in text order: \(durations)")
        let usage = await budget.handedOut()
        #expect(usage.wide == Self.growing.count && usage.narrow == 0 && usage.peakInUse == 2, "\(usage)")
        #expect(await budget.available() == 2)
    }

    @Test func sessionsLoadedLaterReadTheFilesTheVoiceLoadedWith() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-snapshot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let original = try TestEnvironment.model("en_US-joe-medium").directory
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: original, to: root.appendingPathComponent(original.lastPathComponent))
        let installed = try ModelStore(directory: root).model(id: "en_US-joe-medium")
        let engine = try await PiperSynthesizer.load(installed, budget: InferenceThreads(cores: 2))
        // The installed model is broken after the load; a new noise setting and a second
        // sentence make sessions load now, from the files as they were at the load.
        try Data(repeating: 0x41, count: 4096).write(to: try installed.fileURL("model"))
        let request = SynthesisRequest(
            text: "Still the same voice. It has two sentences.", parameters: try SynthesisParameters(temperature: 0.1))
        let result = try await CollectedSynthesis.run(engine, request)
        #expect(result.chunks.count == 2 && result.audio.rms > 0.01)
    }

    @Test func aLoneSentenceGetsTheWideSession() async throws {
        let budget = InferenceThreads(cores: 2)
        let engine = try await Self.voice(budget)
        let before = await budget.handedOut()
        let result = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "Just one sentence here."))
        #expect(result.chunks.count == 1)
        let after = await budget.handedOut()
        #expect(after.wide == before.wide + 1 && after.narrow == before.narrow, "\(after)")
    }

    @Test func concurrentRequestsOnOneVoiceAllComplete() async throws {
        let budget = InferenceThreads(cores: 2)
        let engine = try await Self.voice(budget)
        let texts = (1...4).map { "Request number \($0) is spoken. It has two sentences." }
        let results = try await withThrowingTaskGroup(of: (Int, CollectedSynthesis).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await CollectedSynthesis.run(engine, SynthesisRequest(text: text))) }
            }
            return try await group.reduce(into: [Int: CollectedSynthesis]()) { $0[$1.0] = $1.1 }
        }
        for index in texts.indices {
            let result = try #require(results[index])
            #expect(result.chunks.count == 2 && result.summary?.chunkCount == 2)
            #expect(result.audio.rms > 0.01)
        }
        #expect(await budget.handedOut().peakInUse <= 2)
        #expect(await budget.available() == 2)
    }

    @Test func aCancelledRequestInABusyPoolFreesItsThreads() async throws {
        let budget = InferenceThreads(cores: 2)
        let engine = try await Self.voice(budget)
        let long = (1...12).map { "This is sentence \($0) of a text that will be abandoned." }.joined(separator: " ")
        let abandoned = Task {
            var chunks = 0
            for try await event in engine.synthesize(SynthesisRequest(text: long)) {
                if case .chunk = event {
                    chunks += 1
                    if chunks == 2 { break }  // the consumer walks away mid-text
                }
            }
            return chunks
        }
        let survivor = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "The other request. It finishes."))
        #expect(try await abandoned.value == 2)
        #expect(survivor.chunks.count == 2)
        for _ in 0..<10_000 where await budget.available() < 2 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(await budget.available() == 2, "the abandoned request's sessions came back")
        let again = try await CollectedSynthesis.run(engine, SynthesisRequest(text: "Still speaking afterwards."))
        #expect(again.chunks.count == 1)
    }
}
