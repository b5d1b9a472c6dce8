/// One 512-byte tar header (ustar, GNU or the ustar part of pax) and its fields.
struct TarHeaderBlock {
    /// The size of every tar block.
    static let size = 512

    /// The block's bytes; always `TarHeaderBlock.size` of them.
    let bytes: [UInt8]

    /// Wraps a block of `TarHeaderBlock.size` bytes.
    init(_ bytes: [UInt8]) {
        precondition(bytes.count == Self.size, "a tar header is 512 bytes")
        self.bytes = bytes
    }

    /// Whether every byte is zero: one of the two blocks that end an archive.
    var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    /// The type byte: `0`/NUL file, `5` folder, `2` symlink, `x` pax header…
    var typeflag: UInt8 { bytes[156] }

    /// The entry name: ustar's prefix and name joined, or the name alone in GNU headers
    /// (which keep other data where ustar has the prefix).
    var name: [UInt8] {
        let name = field(0, 100)
        let isPOSIXUstar = bytes[257..<263].elementsEqual(Array("ustar\0".utf8))
        let prefix = isPOSIXUstar ? field(345, 155) : []
        return prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
    }

    /// Whether the stored checksum matches the block (summed unsigned, as POSIX says, or
    /// signed, as some old tars wrote it). Nil when the field is not a number.
    var hasValidChecksum: Bool? {
        guard let stored = Self.number(in: bytes[148..<156]) else { return nil }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in bytes.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }

    /// The size field: octal digits, or GNU's base-256 for files of 8 GiB and more. Nil
    /// when it is neither, or negative.
    var entrySize: Int64? { Self.number(in: bytes[124..<136]) }

    /// The bytes of a NUL-terminated field.
    private func field(_ offset: Int, _ length: Int) -> [UInt8] {
        let slice = bytes[offset..<(offset + length)]
        return Array(slice.prefix { $0 != 0 })
    }

    /// A numeric field: octal digits with optional leading spaces, ended by a space, NUL or
    /// the field's end; or, with the high bit of its first byte set, a big-endian base-256
    /// number. Nil for anything else, for negative numbers and for overflow.
    static func number(in field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            guard first == 0x80 else { return nil }  // 0xff… is a negative number
            var value: Int64 = 0
            for byte in field.dropFirst() {
                guard value <= Int64.max >> 8 else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var digits = field.drop { $0 == UInt8(ascii: " ") }
        if let end = digits.firstIndex(where: { $0 == 0 || $0 == UInt8(ascii: " ") }) {
            guard digits[end...].allSatisfy({ $0 == 0 || $0 == UInt8(ascii: " ") }) else { return nil }
            digits = digits[..<end]
        }
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte), value <= Int64.max >> 3 else { return nil }
            value = value << 3 | Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
