/// Bounds on audio a caller may send, checked before any large allocation.
public struct AudioLimits: Sendable, Equatable, Codable {
    /// Maximum encoded size in bytes (default 50 MiB).
    public var maxBytes: Int
    /// Maximum duration in seconds (default 600).
    public var maxDuration: Double

    /// The defaults: 50 MiB, 10 minutes.
    public static let `default` = AudioLimits()

    /// Limits of `maxBytes` bytes and `maxDuration` seconds (defaults 50 MiB, 600 s).
    public init(maxBytes: Int = 50 << 20, maxDuration: Double = 600) {
        self.maxBytes = maxBytes
        self.maxDuration = maxDuration
    }

    /// Accepted sample rates (Hz).
    public static let sampleRates = 4_000...384_000
    /// Accepted channel counts.
    public static let channelCounts = 1...32
    /// Decoded samples are bounded by `maxDuration` seconds at this rate: audio sampled
    /// faster may be proportionally shorter (at 384 kHz, an eighth of `maxDuration`), so a
    /// small upload cannot decode to gigabytes.
    public static let sampleBudgetRate = 48_000
}
