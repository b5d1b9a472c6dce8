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
        var stdout: String
        var stderr: String
    }

    /// Runs `glmtts` with arguments and optional stdin bytes; waits for it to exit.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
