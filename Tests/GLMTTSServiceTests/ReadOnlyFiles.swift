import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Makes files read-only in a way that holds even for root: permission bits for ordinary
/// users, the immutable attribute (`chattr +i`) where bits do not bind (root).
enum ReadOnlyFiles {
    /// Whether this machine lets the tests make a read-only file.
    static let available: Bool = {
        guard let folder = try? JobTestDatabase() else { return false }
        defer { folder.remove() }
        let probe = folder.folder.appendingPathComponent("probe")
        guard (try? Data("x".utf8).write(to: probe)) != nil else { return false }
        guard (try? protect(probe)) != nil else { return false }
        defer { unprotect(probe) }
        return access(probe.path, W_OK) != 0
    }()

    /// Makes `url` (file or folder) unwritable.
    static func protect(_ url: URL) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: url.path)
        if access(url.path, W_OK) == 0 {
            try chattr("+i", url)
        }
    }

    /// Undoes `protect`, so the file can be deleted.
    static func unprotect(_ url: URL) {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") { try? chattr("-i", url) }
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    private struct ChattrFailed: Error {}

    private static func chattr(_ flag: String, _ url: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, url.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ChattrFailed() }
    }
}
