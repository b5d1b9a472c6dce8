/// The records of a pax extended header (`x`): `"<length> <key>=<value>\n"` each. Only
/// what changes how the next entry is read matters here: `path`, `size`, and whether it is a
/// GNU sparse file (refused). Malformed records make the archive `archiveCorrupt`.
struct PaxRecords {
    /// The next entry's name, if the header sets it.
    var path: [UInt8]?
    /// The next entry's size, if the header sets it.
    var size: Int64?
    /// Whether the header describes a sparse file (`GNU.sparse.*`).
    var isSparse = false

    /// Parses `data` of a header in `archive`.
    init(_ data: [UInt8], archive: String) throws {
        func corrupt() -> ModelPullError {
            .archiveCorrupt(archive: archive, reason: "a pax extended header is malformed")
        }
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > space - index + 1,
                index + length <= data.count, data[index + length - 1] == UInt8(ascii: "\n")
            else { throw corrupt() }
            let record = data[(space + 1)..<(index + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw corrupt() }
            let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
            let value = Array(record[(equals + 1)...])
            switch key {
            case "path": path = value
            case "size":
                guard let number = Int64(String(decoding: value, as: UTF8.self)), number >= 0 else { throw corrupt() }
                size = number
            default:
                if key.hasPrefix("GNU.sparse.") { isSparse = true }
            }
            index += length
        }
    }
}
