/// One file or folder of a tar archive, as `TarReader` hands it out; its name is already
/// checked and any pax or GNU long-name header before it applied.
struct TarEntry {
    /// What an entry makes; every other tar type is refused by the reader.
    enum Kind: Equatable {
        /// A regular file (`0`, NUL or the contiguous file `7`).
        case file
        /// A folder (`5`).
        case directory
    }

    /// File or folder.
    var kind: Kind
    /// The checked name.
    var path: TarEntryPath
    /// The bytes of data that follow the header (for a file, its contents).
    var size: Int64
}
