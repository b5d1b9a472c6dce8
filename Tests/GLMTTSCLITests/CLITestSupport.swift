import Foundation

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

    /// Runs `glmtts` with arguments and optional stdin bytes; waits for it to exit.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        if env["GLMTTS_DATA_DIR"] == nil && env["GLMTTS_MODELS_DIR"] == nil {
            // Same default as the core tests: the models scripts/test prepared.
            env["GLMTTS_DATA_DIR"] = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/test").path
        }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
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
        while !errBox.done { usleep(1000) }
        return Result(status: process.terminationStatus, stdoutData: outData,
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }
}

/// Bytes filled in by a reader thread; `done` flips once they are complete.
private final class DataBox: @unchecked Sendable {
    // @unchecked Sendable: written once by the reader thread under `lock`, then only read.
    private let lock = NSLock()
    private var stored = Data()
    private var finished = false

    var data: Data {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; finished = true; lock.unlock() }
    }

    var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
}
