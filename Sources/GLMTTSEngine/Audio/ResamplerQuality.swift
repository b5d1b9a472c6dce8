import CSoxr

/// How hard `Resampler` works: libsoxr's quality recipes, from a cubic interpolator to a
/// 28-bit-precision linear-phase filter. `.high` (20-bit, soxr's own "HQ") is the default
/// and is transparent for speech; `.quick` suits previews, `.veryHigh` archival masters.
public enum ResamplerQuality: String, Sendable, Codable, CaseIterable {
    /// Cubic interpolation (`SOXR_QQ`): fastest, audible aliasing on bright material.
    case quick
    /// 16-bit precision with a wide roll-off (`SOXR_LQ`).
    case low
    /// 16-bit precision with a medium roll-off (`SOXR_MQ`).
    case medium
    /// 20-bit precision (`SOXR_HQ`): the default.
    case high
    /// 28-bit precision (`SOXR_VHQ`).
    case veryHigh = "very-high"

    /// The soxr recipe constant.
    var soxrRecipe: UInt {
        switch self {
        case .quick: return UInt(SOXR_QQ)
        case .low: return UInt(SOXR_LQ)
        case .medium: return UInt(SOXR_MQ)
        case .high: return UInt(SOXR_20_BITQ)
        case .veryHigh: return UInt(SOXR_28_BITQ)
        }
    }
}
