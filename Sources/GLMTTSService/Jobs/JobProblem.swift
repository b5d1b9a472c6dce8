import GLMTTSEngine
/// Why a job failed, in the shape of an RFC 9457 problem (without the request id, which
/// belongs to an HTTP exchange, not to the job).
public struct JobProblem: Sendable, Codable, Equatable, Error {
    /// Stable code such as `text.too_long` (the problem `type` is built from it).
    public var code: String
    /// Short summary of the kind of problem.
    public var title: String
    /// HTTP status that fits the problem.
    public var status: Int
    /// What went wrong and what to do, safe to show to the client.
    public var detail: String
    /// Whether running the job again may succeed (a crashed worker, say).
    public var retryable: Bool

    public init(code: String, title: String, status: Int, detail: String, retryable: Bool = false) {
        self.code = code
        self.title = title
        self.status = status
        self.detail = detail
        self.retryable = retryable
    }
}
