import Foundation
import GLMTTSEngine

/// Reads Wyoming events out of the bytes of a connection as they arrive, within limits.
///
/// Feed it with `append`, then take what it has with `next()` until that returns nil.
/// Nothing a client sends stops the parser: a malformed header line, bad JSON data or a
/// length over the limits is a `.refused` output with the reason, and the parser skips
/// exactly the bytes that event occupied (to the end of an over-long line, or the declared
/// data and payload lengths), so the events after it are read normally. Memory is bounded
/// by the limits: bytes of a refused event are discarded as they arrive, never buffered.
struct WyomingEventParser {
    /// Largest header line, data block and payload accepted.
    struct Limits: Sendable {
        var maxHeaderBytes = 64 << 10
        var maxDataBytes = 1 << 20
        var maxPayloadBytes = 4 << 20
    }

    /// What the parser found.
    enum Output: Equatable {
        /// A well-formed event.
        case event(WyomingEvent)
        /// A malformed or oversized event, skipped; the text says why.
        case refused(String)
    }

    private enum State {
        case header
        case body(type: String, data: [String: JSONValue], dataLength: Int, payloadLength: Int)
        case discardingLine
        case discarding(remaining: Int)
    }

    let limits: Limits
    private var buffer: [UInt8] = []
    private var start = 0
    private var state = State.header

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes not yet consumed.
    var bufferedBytes: Int { buffer.count - start }
    /// Bytes of the events and refused headers read so far, not counting the bytes skipped
    /// after a refusal: the difference between two outputs is what the later one held.
    private(set) var consumedBytes = 0

    /// Adds bytes read from the connection.
    mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete event (or refusal); nil when more bytes are needed.
    mutating func next() -> Output? {
        while true {
            switch state {
            case .header:
                guard let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                    guard bufferedBytes > limits.maxHeaderBytes else { return nil }
                    consume(bufferedBytes, skipped: true)
                    state = .discardingLine
                    return .refused("The event's header line is longer than \(limits.maxHeaderBytes) bytes; it was skipped.")
                }
                let line = buffer[start..<newline]
                consume(newline + 1 - start)
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) {
                    continue  // blank lines between events are harmless
                }
                if line.count > limits.maxHeaderBytes {
                    return .refused("The event's header line is longer than \(limits.maxHeaderBytes) bytes; it was skipped.")
                }
                switch Self.header(line, limits: limits) {
                case let .failure(refusal):
                    if refusal.skip > 0 { state = .discarding(remaining: refusal.skip) }
                    return .refused(refusal.reason)
                case let .success(body):
                    state = .body(type: body.type, data: body.data, dataLength: body.dataLength, payloadLength: body.payloadLength)
                }
            case let .body(type, data, dataLength, payloadLength):
                guard bufferedBytes >= dataLength + payloadLength else { return nil }
                var merged = data
                if dataLength > 0 {
                    let bytes = Data(buffer[start..<start + dataLength])
                    guard case let .object(extra)? = try? JSONDecoder().decode(JSONValue.self, from: bytes) else {
                        consume(dataLength + payloadLength, skipped: true)
                        state = .header
                        return .refused("The data of the '\(type.prefix(64))' event is not a JSON object; the event was skipped.")
                    }
                    merged.merge(extra) { _, new in new }
                }
                let payload = Array(buffer[start + dataLength..<start + dataLength + payloadLength])
                consume(dataLength + payloadLength)
                state = .header
                return .event(WyomingEvent(type, data: merged, payload: payload))
            case .discardingLine:
                guard let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                    consume(bufferedBytes, skipped: true)
                    return nil
                }
                consume(newline + 1 - start, skipped: true)
                state = .header
            case let .discarding(remaining):
                let taken = min(remaining, bufferedBytes)
                consume(taken, skipped: true)
                guard taken == remaining else {
                    state = .discarding(remaining: remaining - taken)
                    return nil
                }
                state = .header
            }
        }
    }

    private mutating func consume(_ count: Int, skipped: Bool = false) {
        if !skipped { consumedBytes += count }
        start += count
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.count <= 1 << 20)
            start = 0
        }
    }

    private struct Body {
        var type: String
        var data: [String: JSONValue]
        var dataLength: Int
        var payloadLength: Int
    }

    private struct Refusal: Error {
        var reason: String
        /// Bytes after the line that belong to the refused event.
        var skip = 0
    }

    /// The parsed header line, or why it is refused.
    private static func header(_ line: ArraySlice<UInt8>, limits: Limits) -> Result<Body, Refusal> {
        guard case let .object(header)? = try? JSONDecoder().decode(JSONValue.self, from: Data(line)) else {
            return .failure(Refusal(reason: "The event's header line is not a JSON object; it was skipped."))
        }
        func length(_ key: String) -> Result<Int, Refusal> {
            guard let value = header[key], value != .null else { return .success(0) }
            guard let count = value.intValue, count >= 0 else {
                return .failure(Refusal(reason: "'\(key)' must be a whole number of bytes, 0 or more; the event was skipped."))
            }
            return .success(count)
        }
        let dataLength: Int
        let payloadLength: Int
        switch (length("data_length"), length("payload_length")) {
        case let (.success(data), .success(payload)):
            dataLength = data
            payloadLength = payload
        case let (.failure(refusal), _), let (_, .failure(refusal)):
            return .failure(refusal)
        }
        if dataLength > limits.maxDataBytes || payloadLength > limits.maxPayloadBytes {
            let what = dataLength > limits.maxDataBytes ? "data (\(dataLength) bytes)" : "payload (\(payloadLength) bytes)"
            let limit = dataLength > limits.maxDataBytes ? limits.maxDataBytes : limits.maxPayloadBytes
            return .failure(
                Refusal(reason: "The event's \(what) is larger than \(limit) bytes; it was skipped.", skip: dataLength + payloadLength))
        }
        guard let type = header["type"]?.stringValue, !type.isEmpty, type.utf8.count <= 64 else {
            return .failure(
                Refusal(
                    reason: "The event has no 'type' (a string of at most 64 bytes); it was skipped.",
                    skip: dataLength + payloadLength))
        }
        var data: [String: JSONValue] = [:]
        if let inline = header["data"], inline != .null {
            guard let object = inline.objectValue else {
                return .failure(
                    Refusal(reason: "The '\(type)' event's 'data' is not a JSON object; it was skipped.", skip: dataLength + payloadLength))
            }
            data = object
        }
        return .success(Body(type: type, data: data, dataLength: dataLength, payloadLength: payloadLength))
    }
}
