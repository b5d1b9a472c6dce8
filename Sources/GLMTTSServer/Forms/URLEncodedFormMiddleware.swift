import Foundation
import GLMTTSEngine
import HTTPTypes
import OpenAPIRuntime

/// Refuses an `application/x-www-form-urlencoded` body in which a field name or value is
/// not UTF-8 once percent-decoded (`text=%FF`), with a `400` that names the field.
///
/// The OpenAPI runtime's form decoder turns such a value into an empty string, which reads
/// as "absent": `format=%FF` silently became the default format and `text=%FF` a misleading
/// "text is required". JSON and multipart bodies are checked where they are decoded
/// (`FormFields.addValue`); this does the same for URL-encoded forms before they are decoded.
/// The body is already bounded by `BodyLimitMiddleware` (413 beyond the limit).
///
/// It also unquotes a quoted multipart boundary (`multipart/form-data; boundary="x"`, as
/// .NET's `MultipartFormDataContent` sends it, valid per RFC 2046): the OpenAPI runtime
/// keeps the quotes as part of the boundary and then finds no part at all (a 400). Found by
/// fuzzing (docs/FUZZING.md).
struct URLEncodedFormMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let type = request.headerFields[.contentType], let unquoted = Self.unquotingBoundary(type) {
            request.headerFields[.contentType] = unquoted
        }
        guard let body, let type = request.headerFields[.contentType]?.lowercased(),
            type.hasPrefix("application/x-www-form-urlencoded")
        else {
            return try await next(request, body, metadata)
        }
        let data = try await Data(collecting: body, upTo: .max)
        try Self.check(data)
        return try await next(request, HTTPBody(data), metadata)
    }

    /// Throws a `400` naming the first field whose name or value is not UTF-8 after
    /// percent-decoding (`+` is a space; a `%` not followed by two hex digits is kept as is,
    /// as the runtime's decoder keeps it).
    static func check(_ form: Data) throws {
        for pair in form.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = try? TextValidator.decodeUTF8(percentDecoded(parts[0])) else {
                throw HTTPProblem.badRequest("A form field name is not UTF-8 text once percent-decoded; send UTF-8 encoded names.")
            }
            if parts.count == 2, (try? TextValidator.decodeUTF8(percentDecoded(parts[1]))) == nil {
                let shown = String(name.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(64))
                throw HTTPProblem.badRequest(
                    "The form field '\(shown)' is not UTF-8 text once percent-decoded; send UTF-8 encoded text.",
                    field: shown)
            }
        }
    }

    /// `value` with its multipart `boundary` parameter unquoted, or nil when it is not a
    /// multipart type or its boundary is not quoted. (A boundary never holds `"` or `;`.)
    static func unquotingBoundary(_ value: String) -> String? {
        guard value.lowercased().hasPrefix("multipart/") else { return nil }
        var parameters = value.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        var changed = false
        for index in parameters.indices.dropFirst() {
            let parameter = parameters[index]
            guard let equals = parameter.firstIndex(of: "="),
                parameter[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "boundary"
            else { continue }
            let raw = parameter[parameter.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") else { continue }
            parameters[index] = " boundary=" + raw.dropFirst().dropLast()
            changed = true
        }
        return changed ? parameters.joined(separator: ";") : nil
    }

    /// The bytes of one URL-encoded name or value.
    static func percentDecoded(_ encoded: Data.SubSequence) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "%"), encoded.distance(from: index, to: encoded.endIndex) >= 3,
                let high = hexValue(encoded[index + 1]), let low = hexValue(encoded[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
