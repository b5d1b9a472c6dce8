import GLMTTSEngine

/// The service database (jobs, events, saved voices) cannot be opened, read or written.
///
/// Messages say what to do; they never contain SQL or SQLite's own error text.
public enum StoreError: GLMTTSError, Equatable {
    /// The file is not a SQLite database, or it is damaged.
    case unreadable(path: String)
    /// The database (its file, its folder or the file system) cannot be written.
    case readOnly(path: String)
    /// The disk holding the database is full.
    case diskFull(path: String)
    /// Another connection (usually another server process) kept the database locked too long.
    case busy(path: String)
    /// The database file or its folder could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// The disk failed reading or writing the database (input/output error; often a file
    /// system that turned read-only after an error).
    case ioError(path: String)
    /// Any other failure while doing `operation` ("claiming a job"); `reason` is a short
    /// technical hint such as a SQLite result code, never SQL.
    case failed(operation: String, reason: String)
    /// The PostgreSQL server (`store`, its URL without the password) could not be used:
    /// `reason` says why (down, restarting, no answer in time, credentials refused).
    case unreachable(store: String, reason: String)

    public var code: String {
        switch self {
        case .unreadable: return ProblemCode.storeUnreadable
        case .readOnly: return ProblemCode.storeReadOnly
        case .diskFull: return ProblemCode.storeDiskFull
        case .busy: return ProblemCode.storeBusy
        case .cannotOpen: return ProblemCode.storeCannotOpen
        case .ioError: return ProblemCode.storeIoError
        case .failed: return ProblemCode.storeFailed
        case .unreachable: return ProblemCode.storeUnreachable
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .unreadable, .readOnly, .diskFull, .busy, .cannotOpen, .ioError, .unreachable: return .unavailable
        case .failed: return .internalFailure
        }
    }

    public var message: String {
        switch self {
        case let .unreadable(path):
            return "The service database \(path) is not a SQLite database or is damaged. "
                + "Stop the server, move the file aside (a new, empty database is created on the next start) "
                + "or restore it from a backup."
        case let .readOnly(path):
            return "The service database \(path) cannot be written (read-only file, folder or file system). "
                + "Give the server's user write permission on the file and on its folder."
        case let .diskFull(path):
            return "The disk holding the service database \(path) is full. "
                + "Free some space (for example delete old job outputs) and try again."
        case let .busy(path):
            return "The service database \(path) stayed locked by another process for too long. "
                + "Make sure only one server uses this data directory, then try again."
        case let .cannotOpen(path, reason):
            return "The service database \(path) could not be opened: \(reason). "
                + "Check that the data directory exists and that the server's user may read and write it."
        case let .ioError(path):
            return "The disk holding the service database \(path) failed to read or write (input/output error; "
                + "the file system may have turned read-only). Check the disk and the system log; restart the server once it is healthy."
        case let .unreachable(store, reason):
            return
                "The service database \(store) cannot be used now: \(reason). Try again later; the operator should check the PostgreSQL server and GLMTTS_STORE."
        case let .failed(operation, reason):
            return "The service database failed while \(operation) (\(reason)). "
                + "Try again; if it keeps failing, check the disk and the database file."
        }
    }
}
