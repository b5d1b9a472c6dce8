import Foundation

/// An error this project raises on purpose, with a stable machine-readable code and a
/// message that says what went wrong and what to do about it.
///
/// Every domain error type conforms; the CLI turns them into exit codes and the HTTP
/// layer into problem+json documents. `code` values are stable: scripts may rely on them.
public protocol GLMTTSError: Error, CustomStringConvertible, Sendable {
    /// Stable identifier such as `audio.unsupported_format`.
    var code: String { get }
    /// Human-readable explanation for the user: what went wrong and what to do.
    var message: String { get }
    /// Which broad kind of failure this is; drives CLI exit codes and HTTP statuses.
    var category: ErrorCategory { get }
}

extension GLMTTSError {
    public var description: String { message }
}

/// Broad kind of failure, used to choose an exit code (CLI) or HTTP status (server).
public enum ErrorCategory: String, Sendable, Codable {
    /// The caller sent something unusable (bad text, bad audio, out-of-range parameter).
    case invalidInput
    /// A model, file or engine that was asked for does not exist.
    case notFound
    /// Something that existed is no longer kept (an expired or deleted file).
    case gone
    /// The request is valid but this installation cannot serve it (missing model, no cloning).
    case unavailable
    /// The work was cancelled by the caller.
    case cancelled
    /// Something failed inside an engine or the system.
    case internalFailure

    /// Exit code the CLI uses for this category (documented in the README).
    public var exitCode: Int32 {
        switch self {
        case .invalidInput: return 2
        case .notFound, .gone: return 3
        case .unavailable: return 4
        case .cancelled: return 130
        case .internalFailure: return 1
        }
    }
}
