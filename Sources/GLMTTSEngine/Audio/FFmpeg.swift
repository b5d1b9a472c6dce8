import Foundation

/// Runs the `ffmpeg` command for what libsndfile cannot handle (M4A/AAC/WebM in, and
/// anything libsndfile refuses; AAC out).
///
/// Input bytes reach ffmpeg as its stdin, staged in a nameless temporary file
/// (`UnlinkedTempFile`) so that ffmpeg can seek (MP4 with `moov` at the end fails from a
/// pipe); output is read from a pipe in chunks, so decoded audio is bounded by the limits
/// while it streams. Every run uses `-nostdin -hide_banner -loglevel error` and is killed
/// after `timeout` seconds. No path is built from input.
///
/// **ffmpeg never opens anything but the upload.** Uploads are hostile: ffmpeg's HLS,
/// concat/ffconcat, image-sequence and similar demuxers open the files and URLs named in
/// the bytes they read, so a playlist disguised as MP3 would make ffmpeg decode a file on
/// this machine. Three independent locks prevent it, each sufficient for the demuxers
/// ffmpeg has today:
/// 1. the input format is always given (`-f`), from `allowedDemuxers`, so ffmpeg never
///    probes the content and never picks a demuxer on its own;
/// 2. `-format_whitelist` holds that one demuxer, so no nested demuxer can be opened
///    either (an HLS playlist's segments, say: "Format not on whitelist");
/// 3. `-protocol_whitelist file` allows only the `file` protocol that `/dev/stdin` needs
///    (no http, tcp, data, subfile, concat, crypto, …), inherited by anything nested;
///    and the MOV demuxer's external data references stay off (`-enable_drefs 0`).
/// None of the allowed demuxers (WAV, FLAC, Ogg, MP3, MOV/MP4, ADTS AAC, Matroska/WebM)
/// opens another resource. `Tests/python/test_hostile_media.py` throws playlists of every
/// kind at every route that takes audio.
enum FFmpeg {
    /// Seconds an ffmpeg run may take before it is killed.
    static let timeout: Double = 120

    /// The only demuxers ffmpeg may use on uploads; none opens another file or URL.
    static let allowedDemuxers: Set<String> = ["wav", "flac", "ogg", "mp3", "mov", "aac", "matroska"]

    /// ffmpeg's input options that pin `demuxer` and forbid opening anything else (see the
    /// type's documentation). Traps on a demuxer outside `allowedDemuxers`: a programming
    /// error, never input-dependent.
    static func lockedInputOptions(demuxer: String) -> [String] {
        precondition(allowedDemuxers.contains(demuxer), "ffmpeg demuxer '\(demuxer)' is not on the allow-list")
        var options = ["-f", demuxer, "-format_whitelist", demuxer, "-protocol_whitelist", "file"]
        if demuxer == "mov" { options += ["-enable_drefs", "0"] }
        return options
    }

    /// Decodes `data`, recognised as `container`, to mono float32 at the source's sample
    /// rate, averaging the channels. The demuxer is the container's (never probed).
    static func decode(_ data: Data, container: AudioContainer, limits: AudioLimits) throws -> DecodedAudio {
        var arguments = ["-hide_banner", "-loglevel", "error", "-nostdin"]
        arguments += lockedInputOptions(demuxer: container.ffmpegDemuxer(for: data))
        let cap = Int(limits.maxDuration.rounded(.up)) + 1
        arguments += [
            "-i", "/dev/stdin", "-t", String(cap), "-map", "0:a:0", "-vn", "-sn", "-dn",
            "-c:a", "pcm_f32be", "-f", "au", "pipe:1",
        ]
        var stream = AUStreamDownmixer(format: container.rawValue, maxDuration: limits.maxDuration)
        do {
            try run(arguments, input: data) { try stream.consume($0) }
        } catch AudioError.ffmpegFailed(let reason) where reason.contains("matches no streams") {
            throw AudioError.noSamples
        }
        try stream.finish()
        return try DecodedAudio.checked(
            samples: stream.mono, sampleRate: stream.sampleRate, container: container,
            sourceChannels: stream.channels)
    }

    /// Encodes mono float audio (already clipped, at a rate the AAC encoder supports) as
    /// AAC-LC in an ADTS stream.
    static func encodeAAC(_ audio: AudioBuffer, bitrate: String = "96k") throws -> Data {
        var raw = Data(capacity: audio.samples.count * 4)
        for sample in audio.samples {
            withUnsafeBytes(of: sample.bitPattern.littleEndian) { raw.append(contentsOf: $0) }
        }
        let arguments = [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "f32le", "-format_whitelist", "f32le",
            "-protocol_whitelist", "file", "-ar", String(audio.sampleRate), "-ac", "1", "-i", "/dev/stdin", "-c:a", "aac", "-b:a", bitrate,
            "-f", "adts", "pipe:1",
        ]
        var output = Data()
        do {
            try run(arguments, input: raw) { output.append($0) }
        } catch AudioError.ffmpegFailed(let reason) {
            throw AudioError.encodingFailed(format: "aac", reason: "ffmpeg failed: \(reason)")
        }
        guard !output.isEmpty else { throw AudioError.encodingFailed(format: "aac", reason: "ffmpeg produced no output") }
        return output
    }

    /// Runs ffmpeg with `arguments` and `input` as its stdin, handing each chunk of stdout to
    /// `consume` as it arrives. If `consume` throws, ffmpeg is stopped and the error rethrown.
    /// Throws `ffmpegMissing` when there is no ffmpeg and `ffmpegFailed` (with ffmpeg's own
    /// first error lines) for a non-zero exit, a signal or a timeout.
    static func run(_ arguments: [String], input: Data, consume: (Data) throws -> Void) throws {
        guard let executable = locate() else { throw AudioError.ffmpegMissing }
        let inputHandle = try UnlinkedTempFile.handle(containing: input)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = inputHandle
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { throw AudioError.ffmpegMissing }
        try? inputHandle.close()  // the child holds its own copy

        let state = RunState()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            // Drain stderr completely (a full pipe would block ffmpeg); keep the beginning.
            let handle = stderr.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                state.appendError(chunk)
            }
        }
        let killer = DispatchWorkItem {
            if process.isRunning {
                state.markTimedOut()
                process.terminate()
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        defer { killer.cancel() }

        let output = stdout.fileHandleForReading
        do {
            while true {
                let chunk = output.availableData
                if chunk.isEmpty { break }
                try consume(chunk)
            }
        } catch {
            if process.isRunning { process.terminate() }
            try? output.close()
            process.waitUntilExit()
            group.wait()
            throw error
        }
        process.waitUntilExit()
        group.wait()
        if state.timedOut {
            throw AudioError.ffmpegFailed(reason: "it did not finish within \(Int(timeout)) s")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let detail = String(decoding: state.error, as: UTF8.self)
                .replacingOccurrences(of: "/dev/stdin: ", with: "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let status =
                process.terminationReason == .exit
                ? "it exited with status \(process.terminationStatus)"
                : "it was killed by signal \(process.terminationStatus)"
            throw AudioError.ffmpegFailed(reason: detail.isEmpty ? status : detail)
        }
    }

    /// The first `ffmpeg` executable on PATH (or in /usr/bin, /usr/local/bin).
    static func locate() -> URL? {
        ProcessEnvironment.executable(named: "ffmpeg")
    }

    /// What the helper threads of one run report back.
    private final class RunState: @unchecked Sendable {
        // @unchecked Sendable: every stored property is read and written under `lock`.
        private let lock = NSLock()
        private var storedError = Data()
        private var storedTimedOut = false
        /// Most bytes of stderr kept for the message.
        private let errorLimit = 600

        func appendError(_ data: Data) {
            lock.lock()
            defer { lock.unlock() }
            if storedError.count < errorLimit { storedError.append(data.prefix(errorLimit - storedError.count)) }
        }
        func markTimedOut() {
            lock.lock()
            storedTimedOut = true
            lock.unlock()
        }
        var error: Data {
            lock.lock()
            defer { lock.unlock() }
            return storedError
        }
        var timedOut: Bool {
            lock.lock()
            defer { lock.unlock() }
            return storedTimedOut
        }
    }
}
