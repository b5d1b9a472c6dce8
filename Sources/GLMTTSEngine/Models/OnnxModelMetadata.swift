import Foundation

/// Reads and writes the `metadata_props` of a serialized ONNX model without a protobuf
/// library.
///
/// An ONNX file is one `ModelProto` message. Only its top-level fields are walked:
/// `ir_version` (field 1, varint), `graph` (field 7, the weights — skipped by length) and
/// `metadata_props` (field 14, repeated `StringStringEntryProto {1: key, 2: value}`).
/// Because a protobuf parser merges repeated fields found anywhere in a message, new
/// entries are appended at the end; every other byte of the model is kept as it was.
/// Time and memory are linear in the file size.
public enum OnnxModelMetadata {
    /// `ModelProto.ir_version`.
    static let irVersionField: UInt64 = 1
    /// `ModelProto.graph`.
    static let graphField: UInt64 = 7
    /// `ModelProto.metadata_props`.
    static let metadataField: UInt64 = 14

    /// The metadata key/value pairs of the ONNX model in `data`.
    ///
    /// When a key occurs more than once the last entry wins, as in ONNX Runtime.
    /// Throws `ModelError.invalidImport("<source> is not an ONNX model …")` when `data` is
    /// not a well-formed `ModelProto` with an `ir_version` and a `graph`, or a metadata
    /// entry is malformed.
    public static func read(from data: Data, source: String = "The data") throws -> [String: String] {
        let model = try parse(data, source: source)
        var result: [String: String] = [:]
        for entry in model.entries { result[entry.key] = entry.value }
        return result
    }

    /// `data` with the metadata entries in `setting` added: any existing entry with one of
    /// those keys is removed, the new entries are appended (sorted by key), and every other
    /// byte of the model is preserved in order.
    ///
    /// Throws like `read(from:source:)` when `data` is not an ONNX model.
    public static func withMetadata(_ data: Data, setting: [String: String], source: String = "The data") throws -> Data {
        let model = try parse(data, source: source)
        let removed = model.entries.filter { setting[$0.key] != nil }.map(\.range)

        var appended = Data()
        for (key, value) in setting.sorted(by: { $0.key < $1.key }) {
            var entry = Data()
            ProtobufWriter.appendLengthDelimited(field: 1, payload: Data(key.utf8), to: &entry)
            ProtobufWriter.appendLengthDelimited(field: 2, payload: Data(value.utf8), to: &entry)
            ProtobufWriter.appendLengthDelimited(field: metadataField, payload: entry, to: &appended)
        }

        var output = Data()
        output.reserveCapacity(data.count + appended.count)
        data.withUnsafeBytes { raw in
            var cursor = 0
            for range in removed {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[cursor..<range.lowerBound]))
                cursor = range.upperBound
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[cursor..<raw.count]))
        }
        output.append(appended)
        return output
    }

    /// One metadata entry and where it sits in the model bytes.
    struct Entry: Equatable {
        var key: String
        var value: String
        /// Byte range of the whole field 14 occurrence, tag included.
        var range: Range<Int>
    }

    /// The parts of a `ModelProto` this type cares about.
    struct ParsedModel: Equatable {
        var irVersion: UInt64
        /// Byte range of the graph payload.
        var graph: Range<Int>
        var entries: [Entry]
    }

    /// Walks the top-level fields of `data` and validates that it looks like an ONNX model.
    static func parse(_ data: Data, source: String) throws -> ParsedModel {
        func notONNX(_ reason: String) -> ModelError {
            .invalidImport("\(source) is not an ONNX model (\(reason)). Pass the .onnx file of the voice.")
        }
        guard !data.isEmpty else { throw notONNX("it is empty") }
        return try data.withUnsafeBytes { raw throws -> ParsedModel in
            var reader = ProtobufReader(raw)
            var irVersion: UInt64?
            var graph: Range<Int>?
            var entries: [Entry] = []
            do {
                while let field = try reader.next() {
                    switch field.number {
                    case irVersionField:
                        guard field.wireType == 0, let value = field.varint else {
                            throw notONNX("field 1 (ir_version) has wire type \(field.wireType), expected a varint")
                        }
                        irVersion = value
                    case graphField:
                        guard field.wireType == 2 else {
                            throw notONNX("field 7 (graph) has wire type \(field.wireType), expected length-delimited")
                        }
                        graph = field.payload
                    case metadataField:
                        guard field.wireType == 2 else {
                            throw notONNX("field 14 (metadata_props) has wire type \(field.wireType), expected length-delimited")
                        }
                        entries.append(try parseEntry(raw, field: field, notONNX: notONNX))
                    default:
                        break
                    }
                }
            } catch let error as ProtobufWireError {
                throw notONNX("it is not a well-formed protobuf message: \(error)")
            }
            guard let irVersion else { throw notONNX("it has no ir_version field") }
            guard (1...1_000).contains(irVersion) else { throw notONNX("its ir_version \(irVersion) is not plausible") }
            guard let graph, !graph.isEmpty else { throw notONNX("it has no graph") }
            return ParsedModel(irVersion: irVersion, graph: graph, entries: entries)
        }
    }

    private static func parseEntry(
        _ raw: UnsafeRawBufferPointer, field: ProtobufField,
        notONNX: (String) -> ModelError
    ) throws -> Entry {
        let payload = UnsafeRawBufferPointer(rebasing: raw[field.payload])
        var reader = ProtobufReader(payload)
        var key = ""
        var value = ""
        do {
            while let inner = try reader.next() {
                guard inner.number == 1 || inner.number == 2 else { continue }
                guard inner.wireType == 2 else {
                    throw notONNX("a metadata entry at byte \(field.range.lowerBound) has a non-string key or value")
                }
                guard let text = String(validating: UnsafeRawBufferPointer(rebasing: payload[inner.payload]), as: UTF8.self) else {
                    throw notONNX("a metadata entry at byte \(field.range.lowerBound) is not valid UTF-8")
                }
                if inner.number == 1 { key = text } else { value = text }
            }
        } catch let error as ProtobufWireError {
            throw notONNX("the metadata entry at byte \(field.range.lowerBound) is malformed: \(error)")
        }
        return Entry(key: key, value: value, range: field.range)
    }
}
