import GLMTTSEngine

/// Why a job failed, in the shape of an RFC 9457 problem without its transport: the
/// `category` says what kind of failure it is, and the HTTP server alone turns that into a
/// status code. (The request id belongs to an HTTP exchange, not to the job.)
public struct JobProblem: Sendable, Codable, Equatable, Error {
    /// Stable code such as `text.too_long` (see `ProblemCode`; the problem `type` is built from it).
    public var code: String
    /// Short summary of the kind of problem.
    public var title: String
    /// What kind of failure this is (the caller's input, something missing, unavailable…).
    public var category: ErrorCategory
    /// What went wrong and what to do, safe to show to the client.
    public var detail: String
    /// Whether running the job again may succeed (a crashed worker, say).
    public var retryable: Bool

    public init(code: String, title: String, category: ErrorCategory, detail: String, retryable: Bool = false) {
        self.code = code
        self.title = title
        self.category = category
        self.detail = detail
        self.retryable = retryable
    }

    private enum CodingKeys: String, CodingKey {
        case code, title, category, status, detail, retryable
    }

    /// A stored problem; those stored before `category` existed carry an HTTP `status`,
    /// read back into its category.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        title = try container.decode(String.self, forKey: .title)
        detail = try container.decode(String.self, forKey: .detail)
        retryable = try container.decodeIfPresent(Bool.self, forKey: .retryable) ?? false
        if let category = try container.decodeIfPresent(ErrorCategory.self, forKey: .category) {
            self.category = category
        } else {
            switch try container.decodeIfPresent(Int.self, forKey: .status) ?? 500 {
            case 404: category = .notFound
            case 410: category = .gone
            case 409: category = .cancelled
            case 400..<500: category = .invalidInput
            case 503: category = .unavailable
            default: category = .internalFailure
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(title, forKey: .title)
        try container.encode(category, forKey: .category)
        try container.encode(detail, forKey: .detail)
        try container.encode(retryable, forKey: .retryable)
    }
}
