import Foundation

/// Where the CLI sends log lines from worker processes and supervisors: standard error when
/// `GLMTTS_VERBOSE=1`, otherwise nowhere (the command's own output stays clean).
enum WorkerLog {
    /// The log function to hand to `EngineRegistry`.
    static func sink(verbose: Bool) -> @Sendable (String) -> Void {
        guard verbose else { return { _ in } }
        return { line in FileHandle.standardError.write(Data("\(line)\n".utf8)) }
    }
}
