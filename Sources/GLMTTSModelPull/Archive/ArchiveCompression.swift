import Foundation

/// How a tar archive is compressed, read from its file name.
///
/// Decompression runs the system's own tool (`gzip`, `bzip2`, `xz`) from /usr/bin or /bin,
/// never a program named by the user or found elsewhere on PATH.
public enum ArchiveCompression: String, Sendable, CaseIterable {
    /// A plain `.tar`.
    case none
    /// `.tar.gz` or `.tgz`.
    case gzip
    /// `.tar.bz2` or `.tbz2` (Piper's voice packs).
    case bzip2
    /// `.tar.xz`.
    case xz

    /// The folders searched for the decompressor, in order.
    public static let decompressorFolders = ["/usr/bin", "/bin"]

    /// The compression a file called `fileName` uses; nil when the name is not a tar archive's.
    public init?(fileName: String) {
        let name = fileName.lowercased()
        let suffixes: [(String, ArchiveCompression)] = [
            (".tar", .none), (".tar.gz", .gzip), (".tgz", .gzip), (".tar.bz2", .bzip2), (".tbz2", .bzip2), (".tar.xz", .xz),
        ]
        guard let match = suffixes.first(where: { name.hasSuffix($0.0) && name.count > $0.0.count }) else { return nil }
        self = match.1
    }

    /// The decompressor's program name, such as `bzip2`; nil for an uncompressed archive.
    public var decompressorName: String? {
        switch self {
        case .none: return nil
        case .gzip: return "gzip"
        case .bzip2: return "bzip2"
        case .xz: return "xz"
        }
    }

    /// The arguments that make the decompressor write stdin, decompressed, to stdout.
    public var decompressorArguments: [String] { ["-dc"] }

    /// The decompressor's executable in /usr/bin or /bin; nil when it is not installed (or
    /// the archive is not compressed).
    public var decompressorExecutable: URL? {
        guard let name = decompressorName else { return nil }
        return Self.decompressorFolders.map { URL(fileURLWithPath: $0).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
