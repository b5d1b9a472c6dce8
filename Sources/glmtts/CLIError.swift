import GLMTTSEngine

/// Failures of the command line itself (files it cannot read or write).
enum CLIError: GLMTTSError {
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case inputTooLarge(path: String, limit: Int)

    var code: String {
        switch self {
        case .cannotRead: return ProblemCode.cliCannotRead
        case .cannotWrite: return ProblemCode.cliCannotWrite
        case .inputTooLarge: return ProblemCode.cliInputTooLarge
        }
    }

    var category: ErrorCategory {
        switch self {
        case .cannotRead: return .notFound
        case .cannotWrite: return .internalFailure
        case .inputTooLarge: return .invalidInput
        }
    }

    var message: String {
        switch self {
        case let .cannotRead(path, reason): return "Cannot read \(path): \(reason)."
        case let .cannotWrite(path, reason): return "Cannot write \(path): \(reason). Check the folder exists and is writable."
        case let .inputTooLarge(path, limit): return "\(path) is larger than the \(limit / (1 << 20)) MiB limit."
        }
    }
}
