import Foundation

/// Masks server file paths in messages sent to clients.
///
/// Our error messages are written for users, but some name files (a model's folder, a
/// missing worker script); a client of the HTTP API must not learn the server's layout.
public enum ProblemDetailSanitizer {
    /// `message` with every absolute path of two or more components replaced by `<server path>`.
    public static func sanitize(_ message: String) -> String {
        let range = NSRange(message.startIndex..., in: message)
        return pathPattern.stringByReplacingMatches(in: message, range: range, withTemplate: "<server path>")
    }

    nonisolated(unsafe) private static let pathPattern = try! NSRegularExpression(
        pattern: #"(?<![\w.:/])/(?:[\w.@+-]+/)+[\w.@+-]*"#)
}
