import Foundation
import GLMTTSEngine

/// Reads a whole file, or standard input for "-", refusing more than `limit` bytes.
/// `what` names the input in error messages ("reference clip").
func readInput(_ path: String, what: String, limit: Int = 64 << 20) throws -> Data {
    let handle: FileHandle
    if path == "-" {
        handle = FileHandle.standardInput
    } else {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError.cannotRead(path: path, reason: "no such \(what)")
        }
        guard !isDirectory.boolValue else { throw CLIError.cannotRead(path: path, reason: "it is a folder, not a \(what)") }
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw CLIError.cannotRead(path: path, reason: "permission denied or unreadable")
        }
    }
    defer { if path != "-" { try? handle.close() } }
    let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
    guard data.count <= limit else { throw CLIError.inputTooLarge(path: path, limit: limit) }
    return data
}
