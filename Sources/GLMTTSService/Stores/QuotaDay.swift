import Foundation

/// The period of a key's character quota: a UTC day.
public enum QuotaDay {
    /// The UTC day of `date` as `yyyy-MM-dd`.
    public static func of(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
