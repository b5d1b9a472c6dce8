import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The supervisor against real processes: the fake worker script (Tests/fixtures), which
/// speaks docs/WORKERS.md and misbehaves on request.
@Suite(.serialized) struct WorkerSupervisorTests {
    /// How long a healthy worker may take to answer on a busy machine: a safety net
    /// against hangs, never a measure.
    static let patience: Duration = .seconds(60)

    /// A supervisor over the fake worker; `lines` and `events` (when given) collect its log
    /// and engine events, for tests to wait on.
    static func fake(
        _ mode: String, extra: [String] = [], requestTimeout: Duration = patience,
        startTimeout: Duration = patience, cancelGrace: Duration = .seconds(2),
        lines: JobTestProbe<[String]>? = nil, events: JobTestProbe<[EngineEvent]>? = nil
    ) -> WorkerSupervisor {
        let root = TestEnvironment.packageRoot
        let configuration = WorkerConfiguration(
            name: "fake-\(mode)", executable: TestEnvironment.python,
            arguments: ["-u", root.appendingPathComponent("Tests/fixtures/fake_worker.py").path, "--mode", mode] + extra,
            startTimeout: startTimeout, requestTimeout: requestTimeout,
            restartDelay: .milliseconds(100), maxRestartDelay: .seconds(1), cancelGrace: cancelGrace,
            startupRequest: ("load", ["model": .object(["name": .string("fake")])]))
        return WorkerSupervisor(
            configuration: configuration, log: { line in lines?.update { $0.append(line) } },
            events: { event in events?.update { $0.append(event) } })
    }

    /// Whether the worker answers `health` (starting it if needed), with time to spare.
    static func healthy(_ worker: WorkerSupervisor) async -> Bool { await worker.isHealthy(timeout: patience) }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    static func collect(_ stream: AsyncThrowingStream<WorkerEvent, Error>) async throws -> (
        progress: Int, chunks: [AudioBuffer], result: [String: JSONValue]?
    ) {
        var progress = 0
        var chunks: [AudioBuffer] = []
        var result: [String: JSONValue]?
        for try await event in stream {
            switch event {
            case .progress: progress += 1
            case let .chunk(_, audio, _): chunks.append(audio)
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
        #expect(await Self.healthy(worker))
        await worker.shutdown()
    }

    @Test func killedWorkerIsRestartedAndTheNextRequestSucceeds() async throws {
        let events = JobTestProbe<[EngineEvent]>([])
        let worker = Self.fake("normal", events: events)
        #expect(await Self.healthy(worker))
        let pid = try #require(await worker.processIdentifier)
        kill(pid, SIGKILL)
        // Wait until the supervisor has seen the exit (else the request could go to the dying process).
        try await events.wait("the supervisor to see the killed worker exit") { $0.contains(.workerLost(name: "fake-normal")) }
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
            guard case .crashed = error else {
                Issue.record("expected crashed, got \(error)")
                return
            }
            #expect(error.isRetryable)
        }
        let retry = try await Self.collect(worker.stream("synthesize", ["text": .string("hello")]))
        #expect(retry.chunks.count == 3)
        await worker.shutdown()
    }

    @Test func hungWorkerTimesOutWithAClearError() async throws {
        // The short deadline is the request's own, not the configuration's: the worker's
        // start-up `load` keeps the generous one, so a slow start cannot fail the test.
        let worker = Self.fake("hang")
        await #expect(throws: WorkerError.timedOut(worker: "fake-hang", seconds: 1)) {
            _ = try await worker.call("synthesize", ["text": .string("hello")], timeout: .seconds(1))
        }
        #expect(WorkerError.timedOut(worker: "w", seconds: 1).message.contains("did not finish"))
        // The stuck worker was killed; the next request starts a fresh one, which answers health.
        #expect(await Self.healthy(worker))
        #expect(await worker.startCount == 2)
        await worker.shutdown()
    }

    @Test func cancellingStopsTheWork() async throws {
        // The job waits 600 s before its first chunk, so it is surely still running when the
        // cancel lands; the grace is as long, so the process survives only by acknowledging
        // the cancel, never because the kill had not come yet.
        let lines = JobTestProbe<[String]>([])
        let worker = Self.fake("slow", extra: ["--slow-seconds", "600", "--stderr-chatter"], cancelGrace: .seconds(600), lines: lines)
        #expect(await Self.healthy(worker))
        let pid = try #require(await worker.processIdentifier)
        let consumer = Task { for try await _ in worker.stream("synthesize", ["text": .string("hello")]) {} }
        try await lines.wait("the worker to start the job") { $0.contains { $0.contains("chatter: synthesize") } }
        consumer.cancel()
        _ = await consumer.result
        // The worker stops the job at once (it says so on stderr) and is free again: a queued
        // request (requests run one at a time; only health and cancel jump the queue) is
        // answered, by the same process.
        try await lines.wait("the worker to report the job cancelled") { $0.contains { $0.contains("(synthesize) cancelled") } }
        let unloaded = try await worker.call("unload")
        #expect(unloaded["unloaded"]?.boolValue == true)
        #expect(await worker.processIdentifier == pid)
        #expect(await worker.startCount == 1)
        await worker.shutdown()
    }

    @Test func aWorkerThatIgnoresCancelIsKilledAfterTheGracePeriod() async throws {
        let lines = JobTestProbe<[String]>([])
        let worker = Self.fake("hang", lines: lines)
        #expect(await Self.healthy(worker))
        let pid = try #require(await worker.processIdentifier)
        let consumer = Task { for try await _ in worker.stream("synthesize", ["text": .string("hello")]) {} }
        // Cancel only once the worker is stuck in the request (it says so on stderr).
        try await lines.wait("the worker to start the request") { $0.contains { $0.contains("(synthesize) forever") } }
        consumer.cancel()
        // cancelGrace is 2 s; poll (bounded) until the stuck process has been replaced.
        await poll("the stuck worker \(pid) to be killed after the grace period") { await worker.processIdentifier != pid }
        // The old process gets SIGKILL; under load it may take a moment to be gone (bounded poll).
        await poll("worker \(pid) to be gone after SIGKILL") { !Self.isAlive(pid) || Self.isZombie(pid) }
        #expect(await Self.healthy(worker))
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
        let worker = WorkerSupervisor(
            configuration: WorkerConfiguration(
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
            guard case let .failed(_, code, _, _) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(code == "bad_request")
            #expect(error.category == .invalidInput)
        }
        await worker.shutdown()
    }

    @Test func shutdownLeavesNoProcessBehindAndRefusesLaterRequests() async throws {
        // A request that never finishes by itself, so it is surely in flight at shutdown.
        let lines = JobTestProbe<[String]>([])
        let worker = Self.fake("hang", lines: lines)
        #expect(await Self.healthy(worker))
        let pid = try #require(await worker.processIdentifier)
        let inFlight = Task { try await worker.call("synthesize", ["text": .string("hello")]) }
        try await lines.wait("the worker to start the request") { $0.contains { $0.contains("(synthesize) forever") } }
        await worker.shutdown()
        await #expect(throws: WorkerError.shutDown(worker: "fake-hang")) { _ = try await inFlight.value }
        await poll("worker \(pid) to be gone after shutdown") { !Self.isAlive(pid) || Self.isZombie(pid) }
        await #expect(throws: WorkerError.shutDown(worker: "fake-hang")) { _ = try await worker.call("health") }
    }

    static func isZombie(_ pid: Int32) -> Bool {
        (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first == "Z"
    }

    @Test func workerStderrReachesTheLogWithTheWorkersName() async throws {
        let lines = JobTestProbe<[String]>([])
        var configuration = Self.fake("normal", extra: ["--stderr-chatter"]).configuration
        configuration.name = "chatty"
        let worker = WorkerSupervisor(configuration: configuration, log: { line in lines.update { $0.append(line) } })
        #expect(await Self.healthy(worker))
        // Stderr is read on its own pipe, so its lines may trail the health reply: wait for them.
        try await lines.wait("the worker's stderr in the log") { $0.contains { $0.hasPrefix("[chatty] ") && !$0.contains("ready (pid") } }
        await worker.shutdown()
    }

    @Test func audioMessagesRoundTrip() throws {
        let tone = AudioFixtures.sine(seconds: 0.1, sampleRate: 16000)
        let back = try #require(WorkerAudio.decode(WorkerAudio.encode(tone)))
        #expect(back.sampleRate == 16000)
        #expect(back.samples.count == tone.samples.count)
        #expect(zip(back.samples, tone.samples).allSatisfy { abs($0 - $1) < 1e-3 })
        #expect(
            WorkerAudio.decode(.object(["encoding": .string("pcm_s16le"), "sample_rate": .number(16000), "data": .string("%%%")])) == nil)
        #expect(WorkerAudio.decode(.object(["encoding": .string("mu-law"), "sample_rate": .number(16000), "data": .string("")])) == nil)
        #expect(WorkerAudio.decode(.object(["encoding": .string("pcm_s16le"), "sample_rate": .number(1e12), "data": .string("")])) == nil)
    }
}
