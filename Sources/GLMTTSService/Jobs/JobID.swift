import Foundation
import GLMTTSEngine

/// An unguessable job identifier: 128 random bits from the system's secure generator,
/// written as 32 lowercase hex digits.
///
/// Parsing accepts only that shape, so an id taken from a URL can never be a path, a
/// wildcard or anything else than a key; anything else is "not found".
public struct JobID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The 32 hex digits.
    public let rawValue: String

    /// A new random id.
    public init() {
        rawValue = RandomIdentifier.hex(bytes: 16)
    }

    /// Parses `text`; nil unless it is exactly 32 lowercase hex digits.
    public init?(_ text: String) {
        guard RandomIdentifier.isHex(text, bytes: 16) else { return nil }
        rawValue = text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = JobID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a job id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.rawValue < rhs.rawValue }
}
