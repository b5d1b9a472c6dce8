/// A request to the S3-compatible store that did not succeed.
public enum S3Error: Error, Equatable, CustomStringConvertible {
    /// The store could not be reached or did not answer in time (`reason` says how).
    case unreachable(reason: String)
    /// The store answered `status` with S3 error `code` (`NoSuchBucket`, `AccessDenied`,
    /// `SignatureDoesNotMatch`…) and its message.
    case refused(status: Int, code: String, message: String)
    /// The store's answer was not what S3 sends (not XML where XML was due, too large).
    case malformedAnswer(reason: String)

    public var description: String {
        switch self {
        case let .unreachable(reason): return "the store could not be reached (\(reason))"
        case let .refused(status, code, message):
            return "the store answered \(status) \(code)" + (message.isEmpty ? "" : ": \(message)")
        case let .malformedAnswer(reason): return "the store's answer was malformed (\(reason))"
        }
    }
}
