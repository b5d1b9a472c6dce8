import Foundation

/// A mirror of the publishers' files (`GLMTTS_MODEL_MIRROR`): its base URL replaces each
/// download's scheme and host, and the publisher's path follows unchanged, so
/// `https://huggingface.co/rhasspy/piper-voices/resolve/main/x.onnx` with the mirror
/// `http://mirror.lan/models` is fetched from `http://mirror.lan/models/rhasspy/piper-voices/resolve/main/x.onnx`.
/// Checksums are still the catalogue's, so a mirror cannot change what is installed.
public struct ModelMirror: Sendable, Equatable {
    /// The mirror's base URL (http or https, no query).
    public let base: URL

    /// A mirror at `text`; nil unless it is an absolute http(s) URL with a host and no query.
    public init?(_ text: String) {
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host != nil, url.query == nil, url.fragment == nil
        else { return nil }
        base = url
    }

    /// Where to fetch `url` from.
    public func rewrite(_ url: URL) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        var path = url.path
        if let query = url.query { path += "?" + query }
        return URL(string: text + path) ?? url
    }

    /// `url` without any user name or password, for messages and logs.
    public static func display(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false), parts.user != nil || parts.password != nil else {
            return url.absoluteString
        }
        parts.user = nil
        parts.password = nil
        return parts.string ?? url.absoluteString
    }
}
