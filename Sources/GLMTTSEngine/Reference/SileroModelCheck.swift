import Foundation

/// Checks that an ONNX file is a Silero VAD graph sherpa-onnx can run, before sherpa sees it.
///
/// sherpa-onnx does not return an error for a well-formed ONNX model with the wrong inputs
/// or outputs: it calls `exit(-1)` and takes the whole process down. The silero-vad package
/// ships several variants (`silero_vad_half.onnx`, `…_op18_ifless.onnx`,
/// `…_16k_sequence.onnx`) that sherpa rejects that way. So the graph's signature is read
/// here first, with the project's protobuf reader, and compared with the two layouts
/// sherpa-onnx 2.0 accepts:
/// - Silero v5/v6: inputs `input, state, sr`, outputs `output, stateN`;
/// - Silero v4: inputs `input, sr, h, c`, outputs `output, hn, cn`.
///
/// Graph inputs that are also initializers are not runtime inputs (onnxruntime hides them
/// too), so they are left out before comparing.
enum SileroModelCheck {
    /// Runtime inputs of Silero v5/v6.
    static let v5Inputs = ["input", "state", "sr"]
    /// Outputs of Silero v5/v6.
    static let v5Outputs = ["output", "stateN"]
    /// Runtime inputs of Silero v4.
    static let v4Inputs = ["input", "sr", "h", "c"]
    /// Outputs of Silero v4.
    static let v4Outputs = ["output", "hn", "cn"]

    // ONNX protobuf field numbers (onnx.proto).
    private static let modelGraph: UInt64 = 7
    private static let graphInitializer: UInt64 = 5
    private static let graphInput: UInt64 = 11
    private static let graphOutput: UInt64 = 12
    private static let valueInfoName: UInt64 = 1
    private static let tensorName: UInt64 = 8

    /// The graph's runtime input and output names.
    struct Signature: Equatable {
        var inputs: [String]
        var outputs: [String]
    }

    /// Throws `ReferenceError.vadUnavailable` unless the file at `url` is a Silero VAD
    /// model sherpa-onnx accepts.
    static func validate(_ url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ReferenceError.vadUnavailable(reason: "the model file \(url.lastPathComponent) cannot be read")
        }
        let signature: Signature
        do {
            signature = try self.signature(of: data)
        } catch {
            throw ReferenceError.vadUnavailable(reason: "\(url.lastPathComponent) is not an ONNX model (\(error))")
        }
        let accepted =
            (signature.inputs == v5Inputs && signature.outputs == v5Outputs)
            || (signature.inputs == v4Inputs && signature.outputs == v4Outputs)
        guard accepted else {
            throw ReferenceError.vadUnavailable(
                reason: "\(url.lastPathComponent) is not a Silero VAD v4/v5 model sherpa-onnx can run "
                    + "(inputs \(signature.inputs), outputs \(signature.outputs)); use silero_vad.onnx")
        }
    }

    /// Reads the top-level graph's runtime inputs (initializers removed) and outputs.
    static func signature(of data: Data) throws -> Signature {
        try data.withUnsafeBytes { raw throws -> Signature in
            var model = ProtobufReader(raw)
            var graphRange: Range<Int>?
            while let field = try model.next() {
                if field.number == modelGraph, field.wireType == 2 { graphRange = field.payload }
            }
            guard let graphRange else { throw SignatureError.noGraph }
            let graph = UnsafeRawBufferPointer(rebasing: raw[graphRange])
            var reader = ProtobufReader(graph)
            var inputs: [String] = []
            var outputs: [String] = []
            var initializers: Set<String> = []
            while let field = try reader.next() {
                guard field.wireType == 2 else { continue }
                let payload = UnsafeRawBufferPointer(rebasing: graph[field.payload])
                switch field.number {
                case graphInput: inputs.append(try name(in: payload, field: valueInfoName))
                case graphOutput: outputs.append(try name(in: payload, field: valueInfoName))
                case graphInitializer: initializers.insert(try name(in: payload, field: tensorName))
                default: break
                }
            }
            return Signature(inputs: inputs.filter { !initializers.contains($0) }, outputs: outputs)
        }
    }

    /// The string in field `number` of the message `bytes` ("" when absent).
    private static func name(in bytes: UnsafeRawBufferPointer, field number: UInt64) throws -> String {
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            if field.number == number, field.wireType == 2 {
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.payload]), as: UTF8.self)
            }
        }
        return ""
    }

    /// The bytes parse as protobuf but hold no ONNX graph.
    enum SignatureError: Error, CustomStringConvertible {
        case noGraph
        var description: String { "it has no graph" }
    }
}
