import Foundation

/// Where the CLI sends log lines from worker processes and supervisors: standard error when
/// `GLMTTS_VERBOSE=1`, otherwise nowhere (the command's own output stays clean).
enum WorkerLog {
    /// The log function to hand to `EngineRegistry`.
    static let sink: @Sendable (String) -> Void = {
        guard ProcessInfo.processInfo.environment["GLMTTS_VERBOSE"] == "1" else { return { _ in } }
        return { line in FileHandle.standardError.write(Data("\(line)\n".utf8)) }
    }()
}
