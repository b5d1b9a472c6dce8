import Foundation

/// A fingerprint of a model's files (names, sizes and modification times of the files in
/// its folder and one level below), so a changed model can be told from the loaded one
/// without reading its weights.
public enum ModelRevision {
    /// The fingerprint of `model`'s folder: 16 hex digits.
    public static func of(_ model: InstalledModel) -> String {
        let fm = FileManager.default
        var lines: [String] = []
        func add(_ folder: URL, prefix: String, depth: Int) {
            let keys: [URLResourceKey] = [.isDirectoryKey, .fileSizeKey, .contentModificationDateKey]
            guard let entries = try? fm.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys) else { return }
            for entry in entries {
                let values = try? entry.resourceValues(forKeys: Set(keys))
                let name = prefix + entry.lastPathComponent
                if values?.isDirectory == true {
                    if depth > 0 { add(entry, prefix: name + "/", depth: depth - 1) }
                } else {
                    let modified = values?.contentModificationDate?.timeIntervalSince1970 ?? 0
                    lines.append("\(name)\t\(values?.fileSize ?? -1)\t\(modified)")
                }
            }
        }
        add(model.directory, prefix: "", depth: 1)
        return String(SHA256.hex(of: Data(lines.sorted().joined(separator: "\n").utf8)).prefix(16))
    }
}
