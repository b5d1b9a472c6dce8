import Foundation

/// Runs one out-of-process worker (docs/WORKERS.md): starts it on first use, matches
/// replies to requests, enforces deadlines, cancels, restarts it after a crash with
/// exponential back-off, and stops it cleanly.
///
/// Every failure reaches the caller as a `WorkerError` (crash and timeout are retryable);
/// no request is ever left hanging.
public actor WorkerSupervisor {
    /// How the worker is run.
    public nonisolated let configuration: WorkerConfiguration
    private let log: @Sendable (String) -> Void
    private let events: EngineEventSink
    private let writer: BlockingExecutor

    private var process: WorkerProcess?
    private var generation = 0
    private var starting: Task<Void, Error>?
    private var readyWaiter: CheckedContinuation<Void, Error>?
    private var pending: [String: Pending] = [:]
    /// Requests whose caller went away; the worker was asked to cancel them.
    private var cancelling: [String: Int] = [:]
    private var consecutiveCrashes = 0
    private var lastCrash: ContinuousClock.Instant?
    private var isShutDown = false
    /// How many times the process has been started.
    public private(set) var startCount = 0

    private struct Pending {
        var continuation: AsyncThrowingStream<WorkerEvent, Error>.Continuation
        var generation: Int
    }

    /// A supervisor for `configuration`; `log` receives the worker's stderr and our notes,
    /// `events` the worker's starts and losses (for metrics).
    public init(
        configuration: WorkerConfiguration, log: @escaping @Sendable (String) -> Void = { _ in },
        events: @escaping EngineEventSink = { _ in }
    ) {
        self.configuration = configuration
        self.log = log
        self.events = events
        writer = BlockingExecutor(label: "worker.\(configuration.name)")
    }

    /// Process id of the running worker, if any.
    public var processIdentifier: Int32? { process?.isRunning == true ? process?.pid : nil }

    // MARK: Requests

    /// Sends request `op` with `fields`; the stream yields progress and chunks, then one
    /// `.result`, or ends with a `WorkerError`. Dropping the stream cancels the request.
    public nonisolated func stream(
        _ op: String, _ fields: [String: JSONValue] = [:],
        timeout: Duration? = nil
    ) -> AsyncThrowingStream<WorkerEvent, Error> {
        let id = "r-\(UUID().uuidString)"
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WorkerEvent.self)
        continuation.onTermination = { termination in
            if case .cancelled = termination { Task { await self.abandon(id) } }
        }
        Task {
            await self.begin(id: id, op: op, fields: fields, timeout: timeout ?? configuration.requestTimeout, continuation: continuation)
        }
        return stream
    }

    /// Sends a request and waits for its result fields (progress and chunks are dropped).
    public func call(_ op: String, _ fields: [String: JSONValue] = [:], timeout: Duration? = nil) async throws -> [String: JSONValue] {
        for try await event in stream(op, fields, timeout: timeout) {
            if case let .result(fields) = event { return fields }
        }
        throw WorkerError.protocolViolation(worker: configuration.name, reason: "the request ended without a result")
    }

    /// Whether the worker answers `health` within `timeout` (starting it if needed).
    public func isHealthy(timeout: Duration = .seconds(10)) async -> Bool {
        (try? await call("health", timeout: timeout))?["status"]?.stringValue == "ok"
    }

    private func begin(
        id: String, op: String, fields: [String: JSONValue], timeout: Duration,
        continuation: AsyncThrowingStream<WorkerEvent, Error>.Continuation
    ) async {
        guard !isShutDown else { return continuation.finish(throwing: WorkerError.shutDown(worker: configuration.name)) }
        do {
            try await ensureStarted()
        } catch {
            return continuation.finish(throwing: error)
        }
        await send(id: id, op: op, fields: fields, timeout: timeout, continuation: continuation)
    }

    /// Registers the request, arms its deadline and writes it to the running worker.
    private func send(
        id: String, op: String, fields: [String: JSONValue], timeout: Duration,
        continuation: AsyncThrowingStream<WorkerEvent, Error>.Continuation
    ) async {
        guard let process else { return continuation.finish(throwing: WorkerError.crashed(worker: configuration.name, status: -1)) }
        var message = fields
        message["id"] = .string(id)
        message["op"] = .string(op)
        let line: Data
        do {
            line = try JSONEncoder().encode(JSONValue.object(message)) + Data([0x0A])
        } catch {
            return continuation.finish(throwing: WorkerError.protocolViolation(worker: configuration.name, reason: "request not encodable"))
        }
        pending[id] = Pending(continuation: continuation, generation: generation)
        let currentGeneration = generation
        Task {
            try? await Task.sleep(for: timeout)
            self.expire(id, generation: currentGeneration, after: timeout)
        }
        do {
            try await writer.run { try process.write(line) }
        } catch {
            // The process is gone; its end-of-output handler fails the request.
            log("[\(configuration.name)] could not write a request: the worker has exited")
        }
    }

    /// The caller stopped listening: ask the worker to cancel, and kill it if it will not.
    private func abandon(_ id: String) async {
        guard let entry = pending.removeValue(forKey: id), let process, entry.generation == generation else { return }
        cancelling[id] = entry.generation
        let cancel = JSONValue.object(["id": .string("c-\(UUID().uuidString)"), "op": .string("cancel"), "target": .string(id)])
        if let line = try? JSONEncoder().encode(cancel) {
            try? await writer.run { try process.write(line + Data([0x0A])) }
        }
        let grace = configuration.cancelGrace
        let currentGeneration = generation
        Task {
            try? await Task.sleep(for: grace)
            self.enforceCancel(id, generation: currentGeneration)
        }
    }

    private func enforceCancel(_ id: String, generation expected: Int) {
        guard cancelling.removeValue(forKey: id) != nil, expected == generation else { return }
        discard(reason: "did not stop a cancelled request in time")
    }

    private func expire(_ id: String, generation expected: Int, after timeout: Duration) {
        guard let entry = pending[id], entry.generation == expected else { return }
        pending[id] = nil
        entry.continuation.finish(throwing: WorkerError.timedOut(worker: configuration.name, seconds: timeout.inSeconds))
        discard(reason: "a request timed out after \(timeout.inSeconds) s")  // it may be stuck in native code
    }

    /// Kills the current worker now (it is stuck or misbehaving): requests in flight on it
    /// fail as crashed, and the next request starts a fresh one (after the back-off).
    private func discard(reason: String) {
        guard let stuck = process else { return }
        log("[\(configuration.name)] \(reason); killing pid \(stuck.pid), a new worker starts on the next request")
        events(.workerLost(name: configuration.name))
        stuck.kill()
        let old = generation
        generation += 1  // late lines and the end-of-output of the old process are ignored
        process = nil
        for (id, entry) in pending where entry.generation == old {
            pending[id] = nil
            entry.continuation.finish(throwing: WorkerError.crashed(worker: configuration.name, status: SIGKILL))
        }
        cancelling = cancelling.filter { $0.value != old }
        consecutiveCrashes += 1
        lastCrash = .now
    }

    // MARK: Process life cycle

    private func ensureStarted() async throws {
        if let process, process.isRunning, readyWaiter == nil, starting == nil { return }
        if let starting { return try await starting.value }
        let task = Task { try await self.start() }
        starting = task
        defer { starting = nil }
        try await task.value
    }

    private func start() async throws {
        if consecutiveCrashes > 0, let lastCrash {
            let exponent = min(consecutiveCrashes - 1, 16)
            let delay = min(configuration.restartDelay * (1 << exponent), configuration.maxRestartDelay)
            let wait = lastCrash + delay - ContinuousClock.now
            if wait > .zero {
                log("[\(configuration.name)] restarting in \(wait.inSeconds) s after \(consecutiveCrashes) crash(es)")
                try await Task.sleep(for: wait)
            }
        }
        guard !isShutDown else { throw WorkerError.shutDown(worker: configuration.name) }
        let started: WorkerProcess
        do {
            started = try WorkerProcess(configuration: configuration, log: log)
        } catch {
            throw WorkerError.startFailed(worker: configuration.name, reason: "cannot run \(configuration.executable.lastPathComponent)")
        }
        generation += 1
        startCount += 1
        process = started
        let currentGeneration = generation
        Task {
            for await line in started.lines { self.handle(line, generation: currentGeneration) }
            await self.ended(generation: currentGeneration)
        }
        let startTimeout = configuration.startTimeout
        Task {
            try? await Task.sleep(for: startTimeout)
            self.startTimedOut(generation: currentGeneration)
        }
        try await withCheckedThrowingContinuation { readyWaiter = $0 }
        log("[\(configuration.name)] ready (pid \(started.pid))")
        events(.workerStarted(name: configuration.name, restart: startCount > 1))
        if let startup = configuration.startupRequest {
            // Restore the worker's state (load its model) before anyone else may use it.
            let (stream, continuation) = AsyncThrowingStream.makeStream(of: WorkerEvent.self)
            await send(
                id: "s-\(UUID().uuidString)", op: startup.op, fields: startup.fields,
                timeout: configuration.requestTimeout, continuation: continuation)
            do {
                for try await _ in stream {}
            } catch {
                started.kill()
                throw WorkerError.startFailed(
                    worker: configuration.name,
                    reason: "its '\(startup.op)' request failed: \((error as? WorkerError)?.message ?? "\(error)")")
            }
        }
    }

    private func startTimedOut(generation expected: Int) {
        guard expected == generation, let waiter = readyWaiter else { return }
        readyWaiter = nil
        waiter.resume(
            throwing: WorkerError.startFailed(
                worker: configuration.name, reason: "it did not report ready within \(configuration.startTimeout.inSeconds) s"))
        discard(reason: "it did not report ready in time")
    }

    private func handle(_ line: Data, generation expected: Int) {
        guard expected == generation else { return }
        guard let message = try? JSONDecoder().decode(JSONValue.self, from: line).objectValue else {
            return log(
                "[\(configuration.name)] ignored a line that is not a JSON object: \(String(decoding: line.prefix(120), as: UTF8.self))")
        }
        if message["event"]?.stringValue == "ready", let waiter = readyWaiter {
            readyWaiter = nil
            return waiter.resume()
        }
        guard let id = message["id"]?.stringValue else {
            return log("[\(configuration.name)] ignored a message without an id")
        }
        let event = message["event"]?.stringValue
        let terminal = event == "result" || event == "error"
        if terminal { cancelling[id] = nil }
        guard let entry = pending[id] else {
            if !id.hasPrefix("c-") && cancelling[id] == nil && !terminal {
                log("[\(configuration.name)] ignored a message for unknown request \(id.prefix(40))")
            }
            return
        }
        switch event {
        case "progress":
            entry.continuation.yield(
                .progress(
                    fraction: message["fraction"]?.doubleValue ?? 0,
                    stage: message["stage"]?.stringValue ?? "working",
                    detail: message["detail"]?.stringValue))
        case "chunk":
            guard let audio = WorkerAudio.decode(message["audio"]) else {
                pending[id] = nil
                entry.continuation.finish(
                    throwing: WorkerError.protocolViolation(worker: configuration.name, reason: "malformed audio chunk"))
                return
            }
            entry.continuation.yield(
                .chunk(index: message["index"]?.intValue ?? 0, audio: audio, text: message["text"]?.stringValue))
        case "result":
            pending[id] = nil
            consecutiveCrashes = 0
            var fields = message
            fields["id"] = nil
            fields["event"] = nil
            entry.continuation.yield(.result(fields))
            entry.continuation.finish()
        case "error":
            pending[id] = nil
            let error = message["error"]
            entry.continuation.finish(
                throwing: WorkerError.failed(
                    worker: configuration.name, code: error?["code"]?.stringValue ?? ProblemCode.internalError,
                    message: error?["message"]?.stringValue ?? "no detail", retryable: error?["retryable"]?.boolValue ?? false))
        default:
            log("[\(configuration.name)] ignored an unknown event '\(event ?? "none")'")
        }
    }

    /// Stdout closed: the process is gone (or going). Fail what was in flight.
    private func ended(generation expected: Int) async {
        guard expected == generation, let ended = process else { return }
        for _ in 0..<40 where ended.isRunning { try? await Task.sleep(for: .milliseconds(25)) }
        if ended.isRunning { ended.kill() }
        let status = ended.status
        process = nil
        let error: WorkerError = isShutDown ? .shutDown(worker: configuration.name) : .crashed(worker: configuration.name, status: status)
        for (id, entry) in pending where entry.generation == expected {
            pending[id] = nil
            entry.continuation.finish(throwing: error)
        }
        cancelling = cancelling.filter { $0.value != expected }
        if let waiter = readyWaiter {
            readyWaiter = nil
            waiter.resume(
                throwing: WorkerError.startFailed(worker: configuration.name, reason: "it exited with status \(status) before it was ready")
            )
        }
        if !isShutDown {
            consecutiveCrashes += 1
            lastCrash = .now
            log("[\(configuration.name)] exited with status \(status); it will be restarted on the next request")
            events(.workerLost(name: configuration.name))
        }
    }

    /// Stops the worker: closes its stdin, waits 2 s, then SIGTERM, then SIGKILL. In-flight
    /// requests fail with `WorkerError.shutDown`. Later requests are refused.
    public func shutdown() async {
        isShutDown = true
        for (id, entry) in pending {
            pending[id] = nil
            entry.continuation.finish(throwing: WorkerError.shutDown(worker: configuration.name))
        }
        guard let running = process else { return }
        running.closeInput()
        for (attempt, signal) in [(0, "none"), (1, "SIGTERM"), (2, "SIGKILL")] {
            if attempt == 1 { running.terminate() }
            if attempt == 2 { running.kill() }
            for _ in 0..<(attempt == 0 ? 80 : 40) where running.isRunning { try? await Task.sleep(for: .milliseconds(25)) }
            if !running.isRunning { break }
            log("[\(configuration.name)] still running after \(signal == "none" ? "closing its input" : signal)")
        }
        process = nil
    }
}
