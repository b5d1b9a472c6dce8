/// Reads a tar stream (ustar, GNU or pax) block by block from a byte source, handing out
/// its files and folders one at a time and refusing everything else.
///
/// Symbolic and hard links, devices, FIFOs, sparse files and unknown types are refused, and
/// so are unsafe names (see `TarEntryPath`) and archives beyond `ArchiveLimits`; sizes are
/// checked from the headers, before any data is read. Pax `path`/`size` records and GNU long
/// names apply to the next entry; pax global headers are ignored. Damage (a bad checksum, a
/// bad number, data that ends early) throws `archiveCorrupt`.
///
/// ```swift
/// var reader = TarReader(archiveName: "voice.tar", limits: .init(), read: source)
/// while let entry = try reader.next() {
///     while try reader.readContents(into: buffer) > 0 { … }
/// }
/// ```
struct TarReader {
    /// Fills the buffer with the next bytes of the tar stream; returns how many, 0 at its end.
    typealias ByteSource = (UnsafeMutableRawBufferPointer) throws -> Int

    /// Largest pax header or GNU long name accepted.
    static let maxMetadataBytes = 64 * 1024
    /// Most bytes read after the end-of-archive marker (tar pads its last record) before the
    /// rest is left unread.
    static let maxTrailingBytes: Int64 = 64 << 20

    private let archiveName: String
    private let limits: ArchiveLimits
    private let read: ByteSource

    /// Bytes read from the source and not consumed yet: `buffer[start..<end]`.
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0
    /// Unread data of the current entry, and the padding to its next block boundary.
    private var remaining: Int64 = 0
    private var padding = 0
    private var entryCount = 0
    private var declaredBytes: Int64 = 0
    private var sawHeader = false
    /// Whether the end-of-archive marker was read.
    private(set) var isFinished = false

    /// A reader of the tar stream `read` delivers; `archiveName` names the archive in errors.
    init(archiveName: String, limits: ArchiveLimits, read: @escaping ByteSource) {
        self.archiveName = archiveName
        self.limits = limits
        self.read = read
    }

    /// The next file or folder; nil after the end-of-archive marker. Data of the previous
    /// entry that was not read is skipped.
    mutating func next() throws -> TarEntry? {
        guard !isFinished else { return nil }
        try skip(remaining + Int64(padding))
        remaining = 0
        padding = 0
        var longName: [UInt8]?
        var paxSize: Int64?
        while true {
            guard let header = try readHeader() else { return nil }
            let name = longName ?? header.name
            guard let headerSize = header.entrySize else { throw corrupt("the header of '\(TarEntryPath.printable(name))' has a bad size") }
            switch header.typeflag {
            case UInt8(ascii: "x"):
                let records = try PaxRecords(try readMetadata(size: headerSize, of: name), archive: archiveName)
                if let path = records.path { longName = path }
                if let size = records.size { paxSize = size }
                if records.isSparse { throw refuse(longName ?? name, "is a sparse file") }
            case UInt8(ascii: "g"):
                _ = try readMetadata(size: headerSize, of: name)
            case UInt8(ascii: "L"):
                longName = Array(try readMetadata(size: headerSize, of: name).reversed().drop { $0 == 0 }.reversed())
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"), UInt8(ascii: "5"):
                let isFolder = header.typeflag == UInt8(ascii: "5") || (header.typeflag == 0 && name.last == UInt8(ascii: "/"))
                return try begin(isFolder ? .directory : .file, name: name, size: paxSize ?? headerSize)
            default:
                throw refuse(name, Self.refusal(forType: header.typeflag))
            }
        }
    }

    /// Copies the current file's next bytes into `target`; returns how many, 0 at its end.
    /// Throws `archiveCorrupt` when the archive ends first.
    mutating func readContents(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0, !target.isEmpty else { return 0 }
        if start == end, try fill() == 0 { throw corrupt("it is truncated: a file's data ends early") }
        let count = min(end - start, target.count, Int(clamping: remaining))
        buffer.withUnsafeBytes { source in
            target.baseAddress!.copyMemory(from: source.baseAddress! + start, byteCount: count)
        }
        start += count
        remaining -= Int64(count)
        return count
    }

    /// Reads what follows the end-of-archive marker (padding, up to `maxTrailingBytes`), so
    /// that a decompressor can finish and check its own trailer. Returns whether the source
    /// was read to its end.
    mutating func readTrailer() throws -> Bool {
        var trailing = Int64(end - start)
        start = end
        while trailing <= Self.maxTrailingBytes {
            let count = try fill()
            if count == 0 { return true }
            trailing += Int64(count)
            start = end
        }
        return false
    }

    // MARK: - Headers

    /// The next non-zero header; nil at the end-of-archive marker (two zero blocks, or one
    /// and the end of the stream).
    private mutating func readHeader() throws -> TarHeaderBlock? {
        guard let block = try readBlock() else {
            throw corrupt(sawHeader ? "it is truncated: it ends without the end-of-archive marker" : "it is empty")
        }
        if block.isZero {
            if let second = try readBlock(), !second.isZero { throw corrupt("a lone zero block is followed by more data") }
            isFinished = true
            return nil
        }
        guard block.hasValidChecksum == true else { throw corrupt("a header has a bad checksum (this is not a tar archive, or it is damaged)") }
        sawHeader = true
        return block
    }

    /// Checks the limits for a new entry and makes it the current one.
    private mutating func begin(_ kind: TarEntry.Kind, name: [UInt8], size: Int64) throws -> TarEntry {
        let path = try TarEntryPath(validating: name, archive: archiveName, limits: limits, allowEmpty: kind == .directory)
        entryCount += 1
        guard entryCount <= limits.maxEntries else {
            throw refuse(name, "is one more than the limit of \(limits.maxEntries) entries")
        }
        if kind == .file {
            let (total, overflow) = declaredBytes.addingReportingOverflow(size)
            guard !overflow, total <= limits.maxUnpackedBytes else {
                throw refuse(name, "would make the unpacked files larger than the limit of \(ModelPullError.size(limits.maxUnpackedBytes))")
            }
            declaredBytes = total
        }
        remaining = size
        padding = Self.padding(after: size)
        return TarEntry(kind: kind, path: path, size: size)
    }

    /// The data of a pax header or GNU long name (at most `maxMetadataBytes`).
    private mutating func readMetadata(size: Int64, of name: [UInt8]) throws -> [UInt8] {
        guard size <= Int64(Self.maxMetadataBytes) else {
            throw refuse(name, "has an extended header larger than \(Self.maxMetadataBytes / 1024) KiB")
        }
        let count = Int(size)
        guard let data = try readExactly(count + Self.padding(after: size)) else {
            throw corrupt("it is truncated: an extended header ends early")
        }
        return Array(data.prefix(count))
    }

    /// Why an entry of type `typeflag` is refused, worded to follow "its entry 'x'".
    private static func refusal(forType typeflag: UInt8) -> String {
        switch typeflag {
        case UInt8(ascii: "1"): return "is a hard link"
        case UInt8(ascii: "2"): return "is a symbolic link"
        case UInt8(ascii: "K"): return "is a symbolic or hard link (GNU long link name)"
        case UInt8(ascii: "3"), UInt8(ascii: "4"): return "is a device file"
        case UInt8(ascii: "6"): return "is a FIFO"
        case 0x21...0x7e: return "has the unsupported tar type '\(Character(Unicode.Scalar(typeflag)))'"
        default: return "has the unsupported tar type \(typeflag)"
        }
    }

    // MARK: - Bytes

    /// The bytes after `size` bytes of data up to the next block boundary.
    private static func padding(after size: Int64) -> Int {
        Int((Int64(TarHeaderBlock.size) - size % Int64(TarHeaderBlock.size)) % Int64(TarHeaderBlock.size))
    }

    /// The next 512 bytes; nil at the end of the stream; throws when it ends inside a block.
    private mutating func readBlock() throws -> TarHeaderBlock? {
        guard let bytes = try readExactly(TarHeaderBlock.size) else { return nil }
        return TarHeaderBlock(bytes)
    }

    /// The next `count` bytes; nil when the stream ends before the first; throws
    /// `archiveCorrupt` when it ends after some of them.
    private mutating func readExactly(_ count: Int) throws -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            if start == end, try fill() == 0 {
                if result.isEmpty { return nil }
                throw corrupt("it is truncated: it ends inside a tar block")
            }
            let take = min(end - start, count - result.count)
            result.append(contentsOf: buffer[start..<(start + take)])
            start += take
        }
        return result
    }

    /// Drops `count` bytes of data; throws when the stream ends first.
    private mutating func skip(_ count: Int64) throws {
        var left = count
        while left > 0 {
            if start == end, try fill() == 0 { throw corrupt("it is truncated: a file's data ends early") }
            let take = min(end - start, Int(clamping: left))
            start += take
            left -= Int64(take)
        }
    }

    /// Refills the empty buffer from the source; returns the bytes read, 0 at the end.
    private mutating func fill() throws -> Int {
        precondition(start == end, "fill only an empty buffer")
        start = 0
        let read = self.read
        end = try buffer.withUnsafeMutableBytes { try read($0) }
        return end
    }

    private func corrupt(_ reason: String) -> ModelPullError {
        .archiveCorrupt(archive: archiveName, reason: reason)
    }

    private func refuse(_ name: [UInt8], _ reason: String) -> ModelPullError {
        .archiveRefused(archive: archiveName, entry: TarEntryPath.printable(name), reason: reason)
    }
}
