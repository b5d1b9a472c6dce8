import Foundation

/// One running worker process: its pipes, a reader thread that turns stdout into ordered
/// lines, and a reader thread that forwards stderr lines to the log.
///
/// Owned by `WorkerSupervisor`, which decides when to start, stop and kill it.
final class WorkerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` and the pipes are set up in `init` and then only used
    // through thread-safe Foundation calls (write, close, terminate, isRunning).
    /// Longest line accepted from the worker.
    static let maxLineBytes = 64 << 20

    private let process = Process()
    private let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    /// Lines written on stdout, in order; finishes when stdout closes.
    let lines: AsyncStream<Data>
    private let linesContinuation: AsyncStream<Data>.Continuation
    let name: String

    /// Starts the process; throws when it cannot be launched.
    init(configuration: WorkerConfiguration, log: @escaping @Sendable (String) -> Void) throws {
        name = configuration.name
        (lines, linesContinuation) = AsyncStream.makeStream(of: Data.self)
        process.executableURL = configuration.executable
        process.arguments = configuration.arguments
        var environment = ProcessEnvironment.variables
        for (key, value) in configuration.environment { environment[key] = value }
        process.environment = environment
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        let name = configuration.name
        let continuation = linesContinuation
        let out = stdout.fileHandleForReading
        let err = stderr.fileHandleForReading
        Thread.detachNewThread {
            Self.readLines(
                from: out, limit: Self.maxLineBytes,
                onLine: { continuation.yield($0) },
                onOversize: { log("[\(name)] protocol violation: a line over \(Self.maxLineBytes) bytes") })
            continuation.finish()
        }
        Thread.detachNewThread {
            Self.readLines(
                from: err, limit: 1 << 20,
                onLine: { log("[\(name)] \(String(decoding: $0, as: UTF8.self))") }, onOversize: {})
        }
    }

    /// Process id.
    var pid: Int32 { process.processIdentifier }
    /// Whether it is still running.
    var isRunning: Bool { process.isRunning }
    /// Exit status (valid once it stopped).
    var status: Int32 { process.isRunning ? 0 : process.terminationStatus }

    /// Writes bytes to the worker's stdin (blocking).
    func write(_ data: Data) throws {
        try stdin.fileHandleForWriting.write(contentsOf: data)
    }

    /// Closes stdin: the worker's signal to shut down.
    func closeInput() {
        try? stdin.fileHandleForWriting.close()
    }

    /// SIGTERM.
    func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// SIGKILL.
    func kill() {
        if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        kill()
    }

    /// Splits a byte stream into lines (without the newline) until EOF. A line longer than
    /// `limit` ends the reading: the caller treats it as a broken worker.
    private static func readLines(from handle: FileHandle, limit: Int, onLine: (Data) -> Void, onOversize: () -> Void) {
        var splitter = LineSplitter(limit: limit)
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            guard splitter.append(chunk, onLine: onLine) else {
                onOversize()
                return
            }
        }
        if let last = splitter.remainder() { onLine(last) }
    }
}
