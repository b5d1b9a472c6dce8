import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The system's decompressor (`gzip`, `bzip2`, `xz` from /usr/bin or /bin) running with an
/// archive's descriptor as its standard input and a pipe as its standard output: it opens
/// no file and is given no path.
final class DecompressorProcess {
    private let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let archive: String

    /// Starts the decompressor for `compression` over `input`; nil for an uncompressed archive.
    convenience init?(_ compression: ArchiveCompression, archive: String, input: Int32) throws {
        guard compression != .none else { return nil }
        guard let executable = compression.decompressorExecutable else {
            throw ModelPullError.archiveCorrupt(
                archive: archive,
                reason: "\(compression.decompressorName ?? "its decompressor") is not installed (Debian: apt-get install bzip2 xz-utils gzip)")
        }
        try self.init(executable: executable, arguments: compression.decompressorArguments, archive: archive, input: input)
    }

    private init(executable: URL, arguments: [String], archive: String, input: Int32) throws {
        self.archive = archive
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle(fileDescriptor: input, closeOnDealloc: false)
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ModelPullError.archiveCorrupt(archive: archive, reason: "its decompressor did not start (\(error.localizedDescription))")
        }
        try? output.fileHandleForWriting.close()
        try? errors.fileHandleForWriting.close()
    }

    /// Reads the next decompressed bytes; 0 at the end.
    func read(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try Self.read(output.fileHandleForReading.fileDescriptor, into: buffer)
    }

    /// Waits for a decompressor that was read to its end; a failure (damaged data, a
    /// truncated stream) is `archiveCorrupt` with what it said.
    func finish() throws {
        try? output.fileHandleForReading.close()
        process.waitUntilExit()
        if process.terminationReason == .exit && process.terminationStatus == 0 { return }
        throw ModelPullError.archiveCorrupt(archive: archive, reason: said())
    }

    /// Stops the decompressor after an error; returns what it said if it had failed by itself.
    func stop() -> String? {
        if process.isRunning { process.terminate() }
        try? output.fileHandleForReading.close()
        process.waitUntilExit()
        // Killed by us: a signal. Failed by itself: an exit status.
        return process.terminationReason == .exit && process.terminationStatus != 0 ? said() : nil
    }

    /// The decompressor's complaint, trimmed (at most 300 characters).
    private func said() -> String {
        let text = String(decoding: (try? errors.fileHandleForReading.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let name = process.executableURL?.lastPathComponent ?? "the decompressor"
        if text.isEmpty { return "\(name) failed (exit \(process.terminationStatus))" }
        return text.hasPrefix(name) ? String(text.prefix(300)) : "\(name): \(text.prefix(300))"
    }

    /// `read(2)` into `buffer`, retried on EINTR.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw ModelPullError.archiveCorrupt(archive: "the archive", reason: String(cString: strerror(errno))) }
        }
    }
}
