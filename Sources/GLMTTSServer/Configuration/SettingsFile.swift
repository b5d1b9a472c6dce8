package import Foundation

/// A settings file in `.env` form: `GLMTTS_NAME=value` lines, `#` comments, blank lines, an
/// optional `export ` prefix and optionally quoted values. The same names as the
/// environment variables; `.env.example` lists them all.
package enum SettingsFile {
    /// The settings in `url`. Throws `ConfigurationError.invalid` naming the file and line for
    /// a malformed line or a name that is not a setting.
    package static func read(_ url: URL, known: Set<String>) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError.invalid(name: "GLMTTS_CONFIG", value: url.path, expected: "a readable UTF-8 settings file")
        }
        return try parse(text, source: url.lastPathComponent, known: known)
    }

    /// The settings in `text` (see the type's documentation); `source` names it in errors.
    package static func parse(_ text: String, source: String, known: Set<String>) throws -> [String: String] {
        var settings: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            let place = "\(source) line \(index + 1)"
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError.invalid(name: place, value: String(line.prefix(60)), expected: "NAME=value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            } else if let comment = value.range(of: " #") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            guard known.contains(name) else {
                throw ConfigurationError.invalid(
                    name: place, value: String(name.prefix(60)),
                    expected: "one of the settings listed in .env.example")
            }
            settings[name] = value
        }
        return settings
    }
}
