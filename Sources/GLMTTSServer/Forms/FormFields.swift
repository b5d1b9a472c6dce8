import Foundation
import GLMTTSEngine
import OpenAPIRuntime

/// The fields of a `multipart/form-data` request, collected with limits: text fields are
/// read into strings (at most `maxValueBytes` each), one file field into memory (at most
/// `maxFileBytes`). A field sent twice, a text field that is not UTF-8 or anything over a
/// limit is a clear client error, never a partial request.
struct FormFields {
    /// Text fields by name.
    private(set) var values: [String: String] = [:]
    /// The uploaded file, if any.
    private(set) var file: UploadedFile?
    let maxValueBytes: Int
    let maxFileBytes: Int

    init(maxValueBytes: Int, maxFileBytes: Int) {
        self.maxValueBytes = maxValueBytes
        self.maxFileBytes = maxFileBytes
    }

    /// Reads a text field.
    mutating func addValue(_ name: String, _ body: HTTPBody) async throws {
        guard values[name] == nil else {
            throw HTTPProblem.badRequest("The form field '\(name)' was sent more than once; send it once.", field: name)
        }
        let data = try await Self.collect(body, upTo: maxValueBytes, field: name)
        guard let text = String(data: data, encoding: .utf8) else {
            throw HTTPProblem.badRequest("The form field '\(name)' is not UTF-8 text.", field: name)
        }
        values[name] = text
    }

    /// Sets a text field that arrived already decoded (URL-encoded forms); nil is absent.
    mutating func setValue(_ name: String, _ value: String?) {
        if let value { values[name] = value }
    }

    /// Reads the file field.
    mutating func addFile(_ name: String, _ body: HTTPBody, filename: String?) async throws {
        guard file == nil else {
            throw HTTPProblem.badRequest("More than one audio file was sent ('\(name)'); send one.", field: name)
        }
        let data = try await Self.collect(body, upTo: maxFileBytes, field: name)
        file = UploadedFile(field: name, data: data, filename: filename)
    }

    /// Reads and discards a field the operation does not define (unknown fields are ignored).
    func addUnknown(_ part: MultipartRawPart) async throws {
        for try await _ in part.body {}
    }

    /// A trimmed text field; nil when absent.
    func string(_ name: String) -> String? { values[name] }

    /// A number field within `range`.
    func double(_ name: String, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws
        -> Double?
    {
        guard let raw = values[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let value = Double(raw), value.isFinite else {
            throw HTTPProblem.invalid(ProblemCode.requestInvalidField, "'\(name)' must be a number, not '\(raw.prefix(40))'.", field: name)
        }
        guard range.contains(value) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestOutOfRange,
                "'\(name)' must be between \(range.lowerBound) and \(range.upperBound); got \(raw.prefix(40)).", field: name)
        }
        return value
    }

    /// A whole-number field within `range`.
    func integer(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let raw = values[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let value = Int64(raw) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'\(name)' must be a whole number, not '\(raw.prefix(40))'.", field: name)
        }
        guard range.contains(value) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestOutOfRange,
                "'\(name)' must be between \(range.lowerBound) and \(range.upperBound); got \(raw.prefix(40)).", field: name)
        }
        return value
    }

    /// A true/false field (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`).
    func bool(_ name: String) throws -> Bool? {
        guard let raw = values[name]?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { return nil }
        switch raw {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'\(name)' must be true or false, not '\(raw.prefix(40))'.", field: name)
        }
    }

    /// Reads `body` into memory, failing with 413 past `limit` bytes.
    static func collect(_ body: HTTPBody, upTo limit: Int, field: String) async throws -> Data {
        var data = Data()
        for try await chunk in body {
            guard data.count + chunk.count <= limit else {
                throw HTTPProblem(
                    code: ProblemCode.requestTooLarge, title: "Content too large", status: 413,
                    detail: "The field '\(field)' is larger than this server accepts (\(limit) bytes).", field: field)
            }
            data.append(contentsOf: chunk)
        }
        return data
    }
}
