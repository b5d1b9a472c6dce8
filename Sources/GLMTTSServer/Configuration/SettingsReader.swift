package import Configuration

/// Typed settings read through swift-configuration's `ConfigReader`, by their documented
/// names (`GLMTTS_PORT`…), with errors that name the setting and what it accepts.
///
/// A setting `GLMTTS_MAX_UPLOAD_MB` is the config key `glmtts_max_upload_mb`, which the
/// environment-variable providers read as `GLMTTS_MAX_UPLOAD_MB`.
package struct SettingsReader: Sendable {
    /// The merged sources (see `SettingsSource`).
    let reader: ConfigReader

    package init(reader: ConfigReader) {
        self.reader = reader
    }

    /// The setting's value, trimmed; nil when unset or empty.
    package func string(_ name: String) -> String? {
        guard let value = reader.string(forKey: ConfigKey([name.lowercased()]))?.trimmingCharacters(in: .whitespaces),
            !value.isEmpty
        else { return nil }
        return value
    }

    /// A whole number in `range`, nil when unset.
    package func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError.invalid(
                name: name, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A number in `range`, nil when unset.
    package func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError.invalid(name: name, value: text, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// true/false (`1`/`0`, `yes`/`no`, `on`/`off`), nil when unset.
    package func flag(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError.invalid(name: name, value: text, expected: "true or false")
        }
    }

    /// A comma-separated list, nil when unset.
    package func list(_ name: String) -> [String]? {
        string(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }
}
