import Foundation

/// Archives for the unpacker tests, built by the real tools: GNU tar with the system's
/// compressors for well-formed packs, and Python's `tarfile` for entries no well-behaved tar
/// writes (links, devices, `..`, absolute names, duplicates, huge declared sizes).
enum TestArchive {
    /// A fresh temporary folder.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("unpack-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `tool` with `arguments` in `folder`; throws with its output when it fails.
    static func run(_ tool: String, _ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let said = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: tool, code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: String(decoding: said, as: UTF8.self)])
        }
    }

    /// A `.tar.bz2` (or other suffix) written by Python's tarfile from `members`: a Python list
    /// of `(name, type, data, linkname)` tuples, e.g. `[("pack/a.txt", "0", b"hi", "")]`.
    static func python(_ members: String, named name: String, in folder: URL, declaredSize: Int? = nil) throws -> URL {
        let mode = name.hasSuffix(".bz2") ? "w:bz2" : name.hasSuffix(".gz") ? "w:gz" : name.hasSuffix(".xz") ? "w:xz" : "w"
        let script = """
            import io, tarfile, sys
            members = \(members)
            with tarfile.open(sys.argv[1], "\(mode)", format=tarfile.PAX_FORMAT if "pax" in sys.argv[1] else tarfile.GNU_FORMAT) as t:
                for name, kind, data, link in members:
                    info = tarfile.TarInfo(name)
                    info.type = kind.encode()
                    info.linkname = link
                    info.mode = 0o644
                    if kind in ("3", "4"):
                        info.devmajor, info.devminor = 1, 3
                    info.size = len(data) if kind == "0" else 0
                    t.addfile(info, io.BytesIO(data) if kind == "0" else None)
            """
        let path = folder.appendingPathComponent(name)
        try run("/usr/bin/python3", ["-c", script, path.path], in: folder)
        if let declaredSize { try patchSize(of: path, to: declaredSize) }
        return path
    }

    /// Rewrites the first header's size field of the plain tar at `url` (checksum fixed), so
    /// that it declares `size` bytes it does not hold.
    static func patchSize(of url: URL, to size: Int) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        let field = Array(String(format: "%011o", size).utf8) + [0]
        bytes.replaceSubrange(124..<136, with: field)
        bytes.replaceSubrange(148..<156, with: Array(repeating: UInt8(ascii: " "), count: 8))
        let sum = bytes[0..<512].reduce(0) { $0 + Int($1) }
        bytes.replaceSubrange(148..<156, with: Array(String(format: "%06o", sum).utf8) + [0, UInt8(ascii: " ")])
        try Data(bytes).write(to: url)
    }
}
