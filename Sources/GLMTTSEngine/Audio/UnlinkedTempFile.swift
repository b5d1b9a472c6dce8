import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes staged in a temporary file that has no name: it is created with a random name,
/// mode 0600 and `O_EXCL`, and unlinked at once, so it disappears when the last
/// descriptor closes (even if the process crashes) and no path is ever built from input.
///
/// ffmpeg reads its input from such a file given as its stdin (`-i /dev/stdin`) instead
/// of from a pipe because the file is **seekable**: MP4/M4A files with the `moov` atom
/// after the media data (what most encoders write) cannot be demuxed from a pipe at all
/// ("partial file"), and nothing is written to a pipe that ffmpeg might close early, so
/// there is no SIGPIPE to worry about.
enum UnlinkedTempFile {
    /// A read handle positioned at the start of a nameless file holding `data`.
    static func handle(containing data: Data) throws -> FileHandle {
        let directory = FileManager.default.temporaryDirectory
        let path = directory.appendingPathComponent("glmtts-audio-\(UUID().uuidString)").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw AudioError.temporaryStorageFailed(reason: "cannot create a file in \(directory.path): \(errnoDescription())")
        }
        unlink(path)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var written = 0
        let failure: String? = data.withUnsafeBytes { raw -> String? in
            guard let base = raw.baseAddress else { return nil }
            while written < raw.count {
                let result = write(descriptor, base + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errnoDescription()
                }
                written += result
            }
            return nil
        }
        if let failure { throw AudioError.temporaryStorageFailed(reason: "cannot write the audio: \(failure)") }
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw AudioError.temporaryStorageFailed(reason: "cannot rewind the staged audio: \(errnoDescription())")
        }
        return handle
    }

    private static func errnoDescription() -> String {
        String(cString: strerror(errno))
    }
}
