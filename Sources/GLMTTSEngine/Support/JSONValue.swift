import Foundation

/// A JSON value that is `Sendable` and `Codable`: what worker messages are made of.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    /// The string, if this is one.
    public var stringValue: String? { if case let .string(value) = self { return value } else { return nil } }
    /// The number, if this is one.
    public var doubleValue: Double? { if case let .number(value) = self { return value } else { return nil } }
    /// The number as an integer, if this is a whole number.
    public var intValue: Int? { doubleValue.flatMap { $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) : nil } }
    /// The Boolean, if this is one.
    public var boolValue: Bool? { if case let .bool(value) = self { return value } else { return nil } }
    /// The array, if this is one.
    public var arrayValue: [JSONValue]? { if case let .array(value) = self { return value } else { return nil } }
    /// The object, if this is one.
    public var objectValue: [String: JSONValue]? { if case let .object(value) = self { return value } else { return nil } }

    /// Member `key` of an object (nil otherwise).
    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}
