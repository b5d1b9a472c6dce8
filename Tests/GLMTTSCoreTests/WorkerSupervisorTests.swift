import Foundation
import Testing
@testable import GLMTTSCore

/// The supervisor against real processes: the fake worker script (Tests/fixtures), which
/// speaks docs/WORKERS.md and misbehaves on request.
@Suite(.serialized) struct WorkerSupervisorTests {
    static func fake(_ mode: String, extra: [String] = [], requestTimeout: Duration = .seconds(20),
                     startTimeout: Duration = .seconds(20)) -> WorkerSupervisor {
        let root = TestEnvironment.packageRoot
        let configuration = WorkerConfiguration(
            name: "fake-\(mode)", executable: TestEnvironment.python,
            arguments: ["-u", root.appendingPathComponent("Tests/fixtures/fake_worker.py").path, "--mode", mode] + extra,
            startTimeout: startTimeout, requestTimeout: requestTimeout,
            restartDelay: .milliseconds(100), maxRestartDelay: .seconds(1), cancelGrace: .seconds(2),
            startupRequest: ("load", ["model": .object(["name": .string("fake")])]))
        return WorkerSupervisor(configuration: configuration, log: { _ in })
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    static func collect(_ stream: AsyncThrowingStream<WorkerEvent, Error>) async throws -> (progress: Int, chunks: [AudioBuffer], result: [String: JSONValue]?) {
        var progress = 0, chunks: [AudioBuffer] = [], result: [String: JSONValue]?
        for try await event in stream {
            switch event {
            case .progress: progress += 1
            case let .chunk(_, audio): chunks.append(audio)
            case let .result(fields): result = fields
            }
        }
        return (progress, chunks, result)
    }

    @Test func streamsProgressAndChunksThenResult() async throws {
        let worker = Self.fake("normal")
        let outcome = try await Self.collect(worker.stream("synthesize", ["text": .string("hello")]))
        #expect(outcome.progress >= 3)
        #expect(outcome.chunks.count == 3)
        #expect(outcome.chunks.allSatisfy { $0.sampleRate == 24_000 && abs($0.duration - 0.2) < 0.01 })
        #expect(outcome.result != nil)
        #expect(await worker.isHealthy())
        await worker.shutdown()
    }

    @Test func killedWorkerIsRestartedAndTheNextRequestSucceeds() async throws {
        let worker = Self.fake("normal")
        #expect(await worker.isHealthy())
        let pid = try #require(await worker.processIdentifier)
        kill(pid, SIGKILL)
        try await Task.sleep(for: .milliseconds(300))
        let fields = try await worker.call("transcribe", ["audio": WorkerAudio.encode(AudioFixtures.sine(seconds: 0.5, sampleRate: 16000))])
        #expect(fields["text"]?.stringValue == "fake transcript")
        #expect(await worker.startCount == 2)
        #expect(await worker.processIdentifier != pid)
        await worker.shutdown()
    }

    @Test func crashMidRequestFailsItRetryablyThenRecovers() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("crash-once-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: marker) }
        let worker = Self.fake("crash-once", extra: ["--marker", marker.path])
        do {
            _ = try await Self.collect(worker.stream("synthesize", ["text": .string("hello")]))
            Issue.record("the first request should fail")
        } catch let error as WorkerError {
            guard case .crashed = error else { Issue.record("expected crashed, got \(error)"); return }
            #expect(error.isRetryable)
        }
        let retry = try await Self.collect(worker.stream("synthesize", ["text": .string("hello")]))
        #expect(retry.chunks.count == 3)
        await worker.shutdown()
    }

    @Test func hungWorkerTimesOutWithAClearError() async throws {
        let worker = Self.fake("hang", requestTimeout: .seconds(1))
        await #expect(throws: WorkerError.timedOut(worker: "fake-hang", seconds: 1)) {
            _ = try await worker.call("synthesize", ["text": .string("hello")])
        }
        #expect(WorkerError.timedOut(worker: "w", seconds: 1).message.contains("did not finish"))
        // The stuck worker was killed; the next request starts a fresh one, which answers health.
        #expect(await worker.isHealthy())
        #expect(await worker.startCount == 2)
        await worker.shutdown()
    }

    @Test func cancellingStopsTheWork() async throws {
        let worker = Self.fake("slow")
        let stream = worker.stream("synthesize", ["text": .string("hello")])
        let consumer = Task {
            var chunks = 0
            for try await event in stream { if case .chunk = event { chunks += 1 } }
            return chunks
        }
        try await Task.sleep(for: .milliseconds(700))
        consumer.cancel()
        _ = await consumer.result
        // The worker acknowledges the cancel and is free again well before the slow job
        // would have finished: health answers and the same process still runs.
        let pid = await worker.processIdentifier
        #expect(await worker.isHealthy(timeout: .seconds(5)))
        #expect(await worker.processIdentifier == pid)
        await worker.shutdown()
    }

    @Test func aWorkerThatIgnoresCancelIsKilledAfterTheGracePeriod() async throws {
        let worker = Self.fake("hang")
        #expect(await worker.isHealthy())
        let pid = try #require(await worker.processIdentifier)
        let consumer = Task { for try await _ in worker.stream("synthesize", ["text": .string("hello")]) {} }
        try await Task.sleep(for: .milliseconds(300))
        consumer.cancel()
        // cancelGrace is 2 s; poll (bounded) until the stuck process has been replaced.
        var replaced = false
        for _ in 0..<200 where !replaced {
            try await Task.sleep(for: .milliseconds(100))
            replaced = await worker.processIdentifier != pid
        }
        #expect(replaced)
        // The old process gets SIGKILL; under load it may take a moment to be gone (bounded poll).
        var gone = false
        for _ in 0..<100 where !gone {
            gone = !Self.isAlive(pid) || Self.isZombie(pid)
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(gone)
        #expect(await worker.isHealthy())
        await worker.shutdown()
    }

    @Test func garbageOnStdoutIsIgnored() async throws {
        let worker = Self.fake("garbage")
        let outcome = try await Self.collect(worker.stream("synthesize", ["text": .string("hello")]))
        #expect(outcome.chunks.count == 3)
        await worker.shutdown()
    }

    @Test func workerThatNeverGetsReadyFailsToStart() async throws {
        let worker = Self.fake("noready", startTimeout: .seconds(1))
        await #expect(throws: WorkerError.self) { _ = try await worker.call("health") }
        await worker.shutdown()
    }

    @Test func missingExecutableFailsToStart() async throws {
        let worker = WorkerSupervisor(configuration: WorkerConfiguration(
            name: "missing", executable: URL(fileURLWithPath: "/nonexistent/python"), arguments: []))
        await #expect(throws: WorkerError.startFailed(worker: "missing", reason: "cannot run python")) {
            _ = try await worker.call("health")
        }
    }

    @Test func workerErrorsAreTyped() async throws {
        let worker = Self.fake("normal")
        do {
            _ = try await worker.call("no-such-op")
            Issue.record("expected an error")
        } catch let error as WorkerError {
            guard case let .failed(_, code, _, _) = error else { Issue.record("got \(error)"); return }
            #expect(code == "bad_request")
            #expect(error.category == .invalidInput)
        }
        await worker.shutdown()
    }

    @Test func shutdownLeavesNoProcessBehindAndRefusesLaterRequests() async throws {
        let worker = Self.fake("slow")
        #expect(await worker.isHealthy())
        let pid = try #require(await worker.processIdentifier)
        let inFlight = Task { try await worker.call("synthesize", ["text": .string("hello")]) }
        try await Task.sleep(for: .milliseconds(200))
        await worker.shutdown()
        await #expect(throws: WorkerError.self) { _ = try await inFlight.value }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!Self.isAlive(pid) || Self.isZombie(pid), "worker \(pid) outlived shutdown")
        await #expect(throws: WorkerError.shutDown(worker: "fake-slow")) { _ = try await worker.call("health") }
    }

    static func isZombie(_ pid: Int32) -> Bool {
        (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first == "Z"
    }

    @Test func workerStderrReachesTheLogWithTheWorkersName() async throws {
        let lines = ProgressLogLines()
        var configuration = Self.fake("normal", extra: ["--stderr-chatter"]).configuration
        configuration.name = "chatty"
        let worker = WorkerSupervisor(configuration: configuration, log: { lines.append($0) })
        #expect(await worker.isHealthy())
        await worker.shutdown()
        #expect(lines.all.contains { $0.hasPrefix("[chatty] ") && !$0.contains("ready (pid") })
    }

    @Test func audioMessagesRoundTrip() throws {
        let tone = AudioFixtures.sine(seconds: 0.1, sampleRate: 16000)
        let back = try #require(WorkerAudio.decode(WorkerAudio.encode(tone)))
        #expect(back.sampleRate == 16000)
        #expect(back.samples.count == tone.samples.count)
        #expect(zip(back.samples, tone.samples).allSatisfy { abs($0 - $1) < 1e-3 })
        #expect(WorkerAudio.decode(.object(["encoding": .string("pcm_s16le"), "sample_rate": .number(16000), "data": .string("%%%")])) == nil)
        #expect(WorkerAudio.decode(.object(["encoding": .string("mu-law"), "sample_rate": .number(16000), "data": .string("")])) == nil)
        #expect(WorkerAudio.decode(.object(["encoding": .string("pcm_s16le"), "sample_rate": .number(1e12), "data": .string("")])) == nil)
    }
}

/// Log lines collected from any thread.
final class ProgressLogLines: @unchecked Sendable {
    // @unchecked Sendable: `lines` is only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
