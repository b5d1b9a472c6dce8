import Foundation
import GLMTTSEngine

/// One message of the Wyoming protocol (Home Assistant's voice protocol): a type, a JSON
/// object of data and an optional binary payload (audio).
///
/// On the wire it is a JSON header line (`type`, `version`, and `data_length` /
/// `payload_length` when they follow), then that many bytes of JSON data (merged over the
/// header's own `data`), then that many payload bytes. `WyomingEventParser` reads it.
struct WyomingEvent: Sendable, Equatable {
    /// The event type, such as `describe`, `synthesize` or `audio-chunk`.
    var type: String
    /// The event's data.
    var data: [String: JSONValue]
    /// Binary payload (PCM audio for `audio-chunk`); empty when there is none.
    var payload: [UInt8]

    init(_ type: String, data: [String: JSONValue] = [:], payload: [UInt8] = []) {
        self.type = type
        self.data = data
        self.payload = payload
    }

    /// The protocol version this server speaks (the `wyoming` package's it was tested with).
    static let protocolVersion = "1.10.2"

    /// The event as bytes to send: the header line, the data, the payload.
    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var header: [String: JSONValue] = ["type": .string(type), "version": .string(Self.protocolVersion)]
        var dataBytes: [UInt8] = []
        if !data.isEmpty {
            dataBytes = Array((try? encoder.encode(data)) ?? Data("{}".utf8))
            header["data_length"] = .number(Double(dataBytes.count))
        }
        if !payload.isEmpty { header["payload_length"] = .number(Double(payload.count)) }
        var bytes = Array((try? encoder.encode(header)) ?? Data())
        bytes.append(UInt8(ascii: "\n"))
        bytes += dataBytes
        bytes += payload
        return bytes
    }

    /// An `error` event: `text` says what went wrong and what to do, `code` is our problem code.
    static func error(_ text: String, code: String) -> WyomingEvent {
        WyomingEvent("error", data: ["text": .string(text), "code": .string(code)])
    }

    /// A string member of the data, trimmed; nil when absent, empty or not a string.
    func string(_ key: String) -> String? {
        guard let value = data[key]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }
}
