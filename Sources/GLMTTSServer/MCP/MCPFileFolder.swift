import Foundation
import GLMTTSEngine

/// The one folder whose files the MCP `transcribe` tool may read by name
/// (`GLMTTS_MCP_FILES_DIR`). A name is accepted only when it is relative, made of plain
/// parts (letters, digits, `.`, `_`, `-`, spaces; no part empty, `.`, `..` or starting with
/// `.`), and its real path — after every link is followed — is a regular file inside the
/// folder's real path, no larger than the upload limit. The bytes are read here; no
/// decoder or tool is ever handed the path.
struct MCPFileFolder: Sendable {
    /// The folder; nil when the operator configured none (files are then refused).
    let root: URL?
    /// The largest file read (the upload limit).
    let maxBytes: Int

    /// The bytes of `name` inside the folder; `mcp.file_refused` (or `not_found`) otherwise.
    func read(_ name: String) throws -> Data {
        guard let root else {
            throw Self.refused(
                "This server reads no files for MCP clients (GLMTTS_MCP_FILES_DIR is not set); send the audio as base64 in 'audio'.")
        }
        guard Self.isPlainRelativeName(name) else {
            throw Self.refused(
                "'file' must be a name inside the MCP folder, such as 'meeting.wav' or 'calls/monday.mp3': no absolute path, no '..', no hidden parts."
            )
        }
        let folder = root.resolvingSymlinksInPath().standardizedFileURL.path
        let candidate = root.appendingPathComponent(name).resolvingSymlinksInPath().standardizedFileURL.path
        guard candidate.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
            throw Self.refused("'\(name.prefix(64))' leads out of the MCP folder (through a link); only files inside it can be read.")
        }
        // Opened without following a final link (the path is already resolved), then checked
        // to be a regular file through the descriptor itself, so a swap in between cannot
        // turn it into a device or a folder.
        let descriptor = open(candidate, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw HTTPProblem(
                code: ProblemCode.notFound, title: "Not found", status: 404,
                detail: "There is no readable file '\(name.prefix(64))' in the MCP folder.", field: "file")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw Self.refused("'\(name.prefix(64))' is not a regular file.")
        }
        guard Int(status.st_size) <= maxBytes else {
            throw HTTPProblem(
                code: ProblemCode.requestTooLarge, title: "Too large", status: 413,
                detail: "'\(name.prefix(64))' is larger than \(maxBytes / 1_048_576) MiB (GLMTTS_MAX_UPLOAD_MB).", field: "file")
        }
        let data = try handle.readToEnd() ?? Data()
        guard data.count <= maxBytes else {
            throw HTTPProblem(
                code: ProblemCode.requestTooLarge, title: "Too large", status: 413,
                detail: "'\(name.prefix(64))' grew past \(maxBytes / 1_048_576) MiB while it was read.", field: "file")
        }
        return data
    }

    /// Whether `name` is a relative path of plain parts (see the type's documentation).
    static func isPlainRelativeName(_ name: String) -> Bool {
        guard (1...255).contains(name.utf8.count), !name.hasPrefix("/") else { return false }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".")
                && part.unicodeScalars.allSatisfy { scalar in
                    (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || "._- ".unicodeScalars.contains(scalar))
                }
        }
    }

    private static func refused(_ detail: String) -> HTTPProblem {
        HTTPProblem(code: ProblemCode.mcpFileRefused, title: "File refused", status: 403, detail: detail, field: "file")
    }
}
