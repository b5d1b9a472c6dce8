import GLMTTSEngine

/// What an API key may do. `admin` includes `synthesize`, which includes `read`.
public enum APIKeyScope: String, Codable, Sendable, CaseIterable, Comparable {
    /// Read-only operations (GET): jobs, results, voices, engines, limits, progress.
    case read
    /// Creating and deleting jobs, voices and transcriptions; includes `read`.
    case synthesize
    /// Everything, including keys, models at run time and metrics.
    case admin

    /// Whether a key holding `self` may perform work that needs `required`.
    public func allows(_ required: APIKeyScope) -> Bool { required <= self }

    public static func < (lhs: APIKeyScope, rhs: APIKeyScope) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .read: return 0
        case .synthesize: return 1
        case .admin: return 2
        }
    }
}
