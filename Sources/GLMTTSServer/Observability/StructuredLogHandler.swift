package import Foundation
package import Logging

/// A swift-log handler writing one line per message to standard error as text, JSON or
/// logfmt (`LogFormat`), with a UTC timestamp, level, label, message and metadata.
///
/// What the server logs never includes request bodies, texts, audio, queries or API key
/// secrets (key ids only); this handler adds nothing of its own.
package struct StructuredLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogFormat
    private let write: @Sendable (String) -> Void

    /// A handler for `label` in `format`; `write` receives each line (default: stderr).
    package init(label: String, format: LogFormat, write: @escaping @Sendable (String) -> Void = StructuredLogHandler.standardError) {
        self.label = label
        self.format = format
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        write(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged, format: format))
    }

    /// One formatted line (without the newline).
    package static func line(
        time: Date, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata, format: LogFormat
    ) -> String {
        let stamp = timestamp(time)
        let fields = metadata.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        switch format {
        case .json:
            var object: [String: String] = ["time": stamp, "level": level.rawValue, "logger": label, "msg": message]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        case .logfmt:
            let pairs = [("time", stamp), ("level", level.rawValue), ("logger", label), ("msg", message)] + fields
            return pairs.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
        case .text:
            let rest = fields.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
            return "\(stamp) \(level.rawValue) \(label): \(message)\(rest.isEmpty ? "" : " " + rest)"
        }
    }

    /// A value as logfmt writes it: bare when it has no space, quote, `=` or control
    /// character, else quoted with escapes.
    static func logfmtValue(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty || value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.value < 0x20 || $0 == "\\" }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Writes `line` and a newline to standard error in one call (lines from different
    /// threads do not interleave).
    package static let standardError: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBufferPointer { buffer in _ = Foundation.write(2, buffer.baseAddress, buffer.count) }
    }
}
