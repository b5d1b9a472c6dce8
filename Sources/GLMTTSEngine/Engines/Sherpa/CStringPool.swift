import Foundation

/// Owns C strings handed to a C API for as long as the pool lives.
///
/// sherpa-onnx config structs hold `const char*` fields; the pool keeps them valid until
/// the native object has been created, then frees them all at once.
public final class CStringPool {
    private var pointers: [UnsafeMutablePointer<CChar>] = []

    /// An empty pool.
    public init() {}

    /// A C copy of `string`, valid until the pool is released.
    public func string(_ string: String) -> UnsafePointer<CChar> {
        let pointer = strdup(string)!
        pointers.append(pointer)
        return UnsafePointer(pointer)
    }

    deinit {
        for pointer in pointers { free(pointer) }
    }
}
