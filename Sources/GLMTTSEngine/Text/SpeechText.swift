/// Text to speak, validated and cleaned (`TextValidator.prepare`): it can only be built
/// within its limits, so the layers after the surface that built it never check it again.
public struct SpeechText: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The cleaned text.
    public let value: String

    /// The text `raw`, cleaned, within `limits`. Throws `TextError` (too long, not text,
    /// nothing speakable…).
    public init(_ raw: String, limits: TextLimits = .default) throws {
        value = try TextValidator.prepare(raw, limits: limits)
    }

    /// A stored text (a queued job's, read back after a restart): cleaned again, which
    /// changes nothing in a text this type cleaned, with no length limit (it was held to
    /// the limits when it was accepted).
    public init(from decoder: any Decoder) throws {
        let stored = try decoder.singleValueContainer().decode(String.self)
        value = try TextValidator.prepare(stored, limits: TextLimits(maxCharacters: Int.max, maxInputBytes: Int.max))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// Characters in the text (what quotas count).
    public var count: Int { value.count }
    public var description: String { value }
}
