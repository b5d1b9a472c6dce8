import Foundation

/// Writes a ZIP archive of stored (uncompressed) files as a stream: each `entry` returns
/// the bytes to send for one file, `finish` the closing directory, so only one file is in
/// memory at a time whatever the archive's size. Audio is already compressed or cheap to
/// send as is, so deflate would cost time for little; stored entries keep the writer small
/// and exact (APPNOTE 6.3.x, no ZIP64: the archive must stay under 4 GiB, which the batch
/// limits guarantee).
struct ZipArchiveWriter {
    /// Bytes handed out so far (the offset of the next entry).
    private var written: UInt32 = 0
    private var central = Data()
    private var count: UInt16 = 0

    /// The bytes of `data` stored as `name` (ASCII names made by the server, never client
    /// text): a local header followed by the data.
    mutating func entry(name: String, data: Data, modified: Date = Date()) -> Data {
        let nameBytes = Array(name.utf8)
        let crc = Self.crc32(data)
        let (time, date) = Self.dosTimestamp(modified)
        let offset = written
        func header(_ signature: UInt32, central: Bool) -> Data {
            var out = Data()
            func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
            func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
            u32(signature)
            if central { u16(20) }  // version made by
            u16(20)  // version needed
            u16(0)  // flags
            u16(0)  // stored
            u16(time)
            u16(date)
            u32(crc)
            u32(UInt32(data.count))
            u32(UInt32(data.count))
            u16(UInt16(nameBytes.count))
            u16(0)
            if central {
                u16(0)
                u16(0)
                u16(0)  // comment length, disk, internal attributes
                u32(0o100644 << 16)  // external attributes: a regular file
                u32(offset)
            }
            out.append(contentsOf: nameBytes)
            return out
        }
        var out = header(0x0403_4b50, central: false)
        out.append(data)
        central.append(header(0x0201_4b50, central: true))
        count += 1
        written += UInt32(out.count)
        return out
    }

    /// The closing bytes: the central directory and its end record.
    func finish() -> Data {
        var out = central
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(0x0605_4b50)
        u16(0)
        u16(0)
        u16(count)
        u16(count)
        u32(UInt32(central.count))
        u32(written)
        u16(0)
        return out
    }

    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE), as ZIP requires.
    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// MS-DOS time and date (UTC; two-second resolution; 1980 at the earliest).
    static func dosTimestamp(_ date: Date) -> (UInt16, UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = max(1980, c.year ?? 1980)
        let time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        let day = UInt16((year - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        return (time, day)
    }
}
