import Foundation
import GLMTTSEngine
import MCP

/// The arguments of one MCP tool call, read with the checks of the HTTP API: a name the
/// tool does not take, or a value of the wrong type, is a `422` problem naming the
/// argument (`request.invalid_field`), so the caller (often a model) can correct it.
struct MCPArguments {
    private let values: [String: Value]

    /// `arguments` of a call to `tool`; refuses names the tool does not take.
    init(_ arguments: [String: Value]?, for tool: MCPTool) throws {
        values = arguments ?? [:]
        let unknown = Set(values.keys).subtracting(tool.argumentNames).sorted()
        guard unknown.isEmpty else {
            let known = tool.argumentNames.sorted()
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField,
                "\(tool.rawValue) takes no argument '\(unknown[0].prefix(64))'; its arguments are: \(known.isEmpty ? "none" : known.joined(separator: ", ")).",
                field: String(unknown[0].prefix(64)))
        }
    }

    /// Whether `name` was given (and is not null).
    func has(_ name: String) -> Bool { values[name].map { !$0.isNull } ?? false }

    /// A text argument; nil when absent or null.
    func string(_ name: String) throws -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case let .string(text)?: return text
        case let .data(mimeType, data)?:
            // The SDK turns a string that looks like a data: URL into data; give it back as written.
            return "data:\(mimeType ?? "");base64,\(data.base64EncodedString())"
        default: throw Self.wrongType(name, "a string")
        }
    }

    /// A number argument (finite); nil when absent or null.
    func number(_ name: String) throws -> Double? {
        switch values[name] {
        case nil, .null?: return nil
        case let .int(value)?: return Double(value)
        case let .double(value)? where value.isFinite: return value
        default: throw Self.wrongType(name, "a number")
        }
    }

    /// A whole-number argument; nil when absent or null.
    func integer(_ name: String) throws -> Int64? {
        switch values[name] {
        case nil, .null?: return nil
        case let .int(value)?: return Int64(value)
        case let .double(value)? where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        default: throw Self.wrongType(name, "a whole number")
        }
    }

    /// Binary content given as base64 text or as a data: URL; nil when absent or null.
    func bytes(_ name: String, limit: Int) throws -> Data? {
        let encoded: String
        switch values[name] {
        case nil, .null?: return nil
        case let .data(_, data)?:
            guard data.count <= limit else { throw Self.tooLarge(name, limit: limit) }
            return data
        case let .string(text)?: encoded = text
        default: throw Self.wrongType(name, "base64 text")
        }
        // base64 is 4 characters per 3 bytes; refuse before decoding anything too large.
        guard encoded.utf8.count <= (limit / 3 + 1) * 4 + 4 else { throw Self.tooLarge(name, limit: limit) }
        guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !encoded.isEmpty else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'\(name)' must be base64-encoded audio (or a data: URL).", field: name)
        }
        guard data.count <= limit else { throw Self.tooLarge(name, limit: limit) }
        return data
    }

    private static func wrongType(_ name: String, _ kind: String) -> HTTPProblem {
        HTTPProblem.invalid(ProblemCode.requestInvalidField, "'\(name)' must be \(kind).", field: name)
    }

    private static func tooLarge(_ name: String, limit: Int) -> HTTPProblem {
        HTTPProblem(
            code: ProblemCode.requestTooLarge, title: "Too large", status: 413,
            detail: "'\(name)' is larger than \(limit / 1_048_576) MiB (GLMTTS_MAX_UPLOAD_MB); send shorter audio.", field: name)
    }
}
