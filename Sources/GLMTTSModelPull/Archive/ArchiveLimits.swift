/// How much an archive may hold before `ArchiveUnpacker` refuses it: the guard against
/// archive bombs. The defaults fit every published voice pack with a wide margin.
public struct ArchiveLimits: Sendable, Equatable {
    /// Most entries (files and folders) one archive may have.
    public var maxEntries: Int
    /// Most bytes all the archive's files may add up to, as their headers declare them.
    public var maxUnpackedBytes: Int64
    /// Longest entry name, in UTF-8 bytes.
    public var maxEntryNameBytes: Int

    /// Limits with the given values; the defaults are 100 000 entries, 64 GiB and 4096 bytes.
    public init(maxEntries: Int = 100_000, maxUnpackedBytes: Int64 = 64 << 30, maxEntryNameBytes: Int = 4096) {
        self.maxEntries = maxEntries
        self.maxUnpackedBytes = maxUnpackedBytes
        self.maxEntryNameBytes = maxEntryNameBytes
    }
}
