import Foundation

/// Why a byte sequence is not a well-formed protobuf message.
///
/// Internal: callers translate it into a `ModelError` that names the file.
enum ProtobufWireError: Error, Equatable, CustomStringConvertible {
    /// The data ends inside a tag, a varint or a field payload.
    case truncated(offset: Int)
    /// A varint runs past 10 bytes.
    case malformedVarint(offset: Int)
    /// A tag carries a wire type this reader does not accept (groups 3/4, or 6/7).
    case unsupportedWireType(UInt8, offset: Int)
    /// A tag carries field number 0 or one above the protobuf maximum.
    case invalidFieldNumber(UInt64, offset: Int)
    /// A length-delimited payload is longer than the data left.
    case lengthOutOfRange(UInt64, offset: Int)

    var description: String {
        switch self {
        case let .truncated(offset): return "the data ends inside a field at byte \(offset)"
        case let .malformedVarint(offset): return "malformed varint at byte \(offset)"
        case let .unsupportedWireType(type, offset): return "unsupported wire type \(type) at byte \(offset)"
        case let .invalidFieldNumber(number, offset): return "invalid field number \(number) at byte \(offset)"
        case let .lengthOutOfRange(length, offset): return "field length \(length) at byte \(offset) runs past the end"
        }
    }
}

/// One field of a protobuf message, located by byte ranges into the message it came from.
struct ProtobufField: Equatable {
    /// Field number from the tag.
    var number: UInt64
    /// Wire type from the tag: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
    var wireType: UInt8
    /// The whole field, tag included (offsets relative to the message start).
    var range: Range<Int>
    /// The payload: the varint bytes, the fixed bytes, or the bytes after the length prefix.
    var payload: Range<Int>
    /// The decoded value for wire type 0, else nil.
    var varint: UInt64?
}

/// Walks the fields of one protobuf message without descending into sub-messages.
///
/// Work is proportional to the number of fields, not the size of their payloads: a
/// length-delimited field is skipped by its length, so a 60 MB ONNX graph costs a few
/// bytes of reading. Offsets are relative to the start of `bytes`.
struct ProtobufReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    /// Creates a reader over `bytes`, which must outlive the reader.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Whether every byte has been consumed.
    var isAtEnd: Bool { offset >= bytes.count }

    /// The next field, or nil at the end of the message.
    mutating func next() throws(ProtobufWireError) -> ProtobufField? {
        guard !isAtEnd else { return nil }
        let start = offset
        let tag = try readVarint()
        let number = tag >> 3
        let wireType = UInt8(tag & 7)
        guard number >= 1, number <= 536_870_911 else {
            throw .invalidFieldNumber(number, offset: start)
        }
        let payloadStart = offset
        var value: UInt64?
        switch wireType {
        case 0:
            value = try readVarint()
        case 1:
            try skip(8)
        case 2:
            let lengthOffset = offset
            let length = try readVarint()
            guard length <= UInt64(bytes.count - offset) else {
                throw .lengthOutOfRange(length, offset: lengthOffset)
            }
            let contentStart = offset
            offset += Int(length)
            return ProtobufField(
                number: number, wireType: wireType, range: start..<offset,
                payload: contentStart..<offset, varint: nil)
        case 5:
            try skip(4)
        default:
            throw .unsupportedWireType(wireType, offset: start)
        }
        return ProtobufField(
            number: number, wireType: wireType, range: start..<offset,
            payload: payloadStart..<offset, varint: value)
    }

    private mutating func skip(_ count: Int) throws(ProtobufWireError) {
        guard bytes.count - offset >= count else { throw .truncated(offset: offset) }
        offset += count
    }

    private mutating func readVarint() throws(ProtobufWireError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw .truncated(offset: start) }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64 else { throw .malformedVarint(offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}

/// Appends protobuf-encoded fields to a byte buffer.
enum ProtobufWriter {
    /// Appends `value` as a base-128 varint.
    static func appendVarint(_ value: UInt64, to data: inout Data) {
        var value = value
        while value >= 0x80 {
            data.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        data.append(UInt8(value))
    }

    /// Appends a length-delimited field (wire type 2) with `payload`.
    static func appendLengthDelimited(field number: UInt64, payload: Data, to data: inout Data) {
        appendVarint(number << 3 | 2, to: &data)
        appendVarint(UInt64(payload.count), to: &data)
        data.append(payload)
    }
}
