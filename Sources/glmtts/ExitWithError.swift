import ArgumentParser
import Foundation
import GLMTTSEngine

/// Runs a command body and turns failures into the CLI's error contract.
///
/// Every subcommand's `run()` should wrap its work in this helper:
/// ```swift
/// mutating func run() async throws {
///     try await runReportingErrors { … }
/// }
/// ```
/// - A `GLMTTSError` prints `error: <message>` on stderr and exits with
///   `error.category.exitCode` (2 invalid input, 3 not found, 4 unavailable, 130 cancelled,
///   1 internal failure).
/// - `CancellationError` prints `error: cancelled` and exits with 130.
/// - ArgumentParser's own errors (`ExitCode`, `ValidationError`, `CleanExit`) pass through
///   unchanged, so usage errors keep ArgumentParser's formatting.
/// - Any other error prints `error: <description>` and exits with 1.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as any GLMTTSError {
        printError(error.message)
        throw ExitCode(error.category.exitCode)
    } catch is CancellationError {
        printError("cancelled")
        throw ExitCode(ErrorCategory.cancelled.exitCode)
    } catch let error where error is ExitCode || error is ValidationError || error is CleanExit {
        throw error
    } catch {
        printError("\(error)")
        throw ExitCode(ErrorCategory.internalFailure.exitCode)
    }
}

/// Writes `error: <message>` and a newline to stderr.
func printError(_ message: String) {
    printToStandardError("error: \(message)")
}

/// Writes `line` and a newline to stderr (warnings, progress).
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
