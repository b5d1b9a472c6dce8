/// What `ArchiveUnpacker.unpack` wrote.
public struct ArchiveSummary: Sendable, Equatable {
    /// How many regular files were written.
    public var filesWritten: Int
    /// How many folders were created (not counting the destination folder itself).
    public var directoriesCreated: Int
    /// The bytes of all written files together.
    public var bytesWritten: Int64
    /// Each written file's path relative to the destination folder (after `stripComponents`),
    /// with `/` between components, in archive order.
    public var files: [String]

    /// A summary with the given values.
    public init(filesWritten: Int = 0, directoriesCreated: Int = 0, bytesWritten: Int64 = 0, files: [String] = []) {
        self.filesWritten = filesWritten
        self.directoriesCreated = directoriesCreated
        self.bytesWritten = bytesWritten
        self.files = files
    }
}
