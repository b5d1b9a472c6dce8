import Foundation
import GLMTTSTestSupport

/// Locates the built `glmtts` binary next to the test bundle and runs it.
enum CLI {
    /// Path of the built executable (same build folder as the tests).
    static var executable: URL {
        var dir = Bundle.main.bundleURL
        // .build/debug/GLMTTSPackageTests.xctest → .build/debug
        while dir.pathComponents.count > 1, !FileManager.default.fileExists(atPath: dir.appendingPathComponent("glmtts").path) {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("glmtts")
    }

    /// Result of one run.
    struct Result {
        var status: Int32
        var stdoutData: Data
        var stderr: String
        var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    }

    /// Runs `glmtts` with arguments and optional stdin bytes; waits for it to exit — on a
    /// thread of its own, so that the test runner's cooperative pool (two threads on a
    /// 2-core machine) is never blocked by a child process: blocking it starves every other
    /// test running in parallel (a scheduler test's 60 s deadline ran out that way in CI).
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Swift.Result<CLI.Result, any Error> { try runBlocking(arguments, stdin: stdin, environment: environment) })
            }.start()
        }
    }

    /// `run`, blocking the calling thread.
    private static func runBlocking(_ arguments: [String], stdin: Data?, environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        if env["GLMTTS_DATA_DIR"] == nil && env["GLMTTS_MODELS_DIR"] == nil {
            // Same default as the core tests: the models scripts/test prepared.
            env["GLMTTS_DATA_DIR"] =
                URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/test").path
        }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        signal(SIGPIPE, SIG_IGN)  // a child that exits without reading stdin must not kill the tests
        try process.run()
        let writer = Thread {
            if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        // Read stderr on another thread so a chatty child never blocks on a full pipe.
        let errBox = DataBox()
        let errReader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // Stderr ends when every holder of its write end has closed it; a leftover grandchild
        // (a worker the CLI failed to stop) would keep it open forever, so the wait is bounded.
        guard let errData = errBox.wait(seconds: stderrPatience) else {
            throw StuckStderr(arguments: arguments, seconds: stderrPatience)
        }
        return Result(
            status: process.terminationStatus, stdoutData: outData,
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// How long `run` waits for stderr to close after the child exited: a safety net
    /// against a hang, never a measure (it normally closes with the exit).
    static let stderrPatience = 120.0

    /// Stderr stayed open long after `glmtts` exited.
    struct StuckStderr: Error, CustomStringConvertible {
        var arguments: [String]
        var seconds: Double
        var description: String {
            "glmtts \(arguments.joined(separator: " ")) exited, but its stderr was still open \(Int(seconds)) s later (a child process left behind?)"
        }
    }
}

/// How alike two transcripts *of the same file by the same model* are: the smaller of the
/// two word recalls (0 when either is empty). Identical samples decode to identical words
/// unless faster-whisper falls back to (unseeded) sampling, so such pairs score 1, or about
/// `sameAudio` for a one-word wobble; another clip scores near 0.
func transcriptSimilarity(_ first: String, _ second: String) -> Double {
    guard first.contains(where: \.isLetter), second.contains(where: \.isLetter) else { return 0 }
    return min(Transcriber.wordRecall(expected: first, heard: second), Transcriber.wordRecall(expected: second, heard: first))
}

/// The `transcriptSimilarity` two transcripts of the same file always reach.
let sameAudio = 0.8

/// Bytes filled in once by a reader thread.
private final class DataBox: @unchecked Sendable {
    // @unchecked Sendable: written once by the reader thread under `lock`, then only read.
    private let lock = NSLock()
    private let filled = DispatchSemaphore(value: 0)
    private var stored = Data()

    var data: Data {
        get {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
        set {
            lock.lock()
            stored = newValue
            lock.unlock()
            filled.signal()
        }
    }

    /// The bytes once the reader has filled them in; nil if that takes over `seconds`.
    func wait(seconds: Double) -> Data? {
        filled.wait(timeout: .now() + seconds) == .success ? data : nil
    }
}
