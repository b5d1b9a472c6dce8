import Foundation

/// Runs the `ffmpeg` command for the formats libsndfile cannot handle (M4A/AAC/WebM in,
/// AAC out). Bytes go in on stdin and come out on stdout: no temporary files, no paths.
/// A run that takes longer than `timeout` seconds is killed.
enum FFmpeg {
    /// Seconds an ffmpeg run may take before it is killed.
    static let timeout: Double = 120

    /// Decodes `data` to mono float32 at the source's sample rate.
    static func decode(_ data: Data, container: AudioContainer, limits: AudioLimits) throws -> DecodedAudio {
        var arguments = ["-hide_banner", "-loglevel", "error", "-nostdin"]
        if let demuxer = container.ffmpegDemuxer { arguments += ["-f", demuxer] }
        arguments += ["-i", "pipe:0", "-t", String(Int(limits.maxDuration) + 1), "-vn", "-ac", "1",
                      "-c:a", "pcm_f32be", "-f", "au", "pipe:1"]
        let output = try run(arguments, input: data)
        // Sun AU header (big-endian): ".snd", data offset, data size, encoding (6 = float32), rate, channels.
        guard output.count >= 24, output.prefix(4) == Data(".snd".utf8) else {
            throw AudioError.corrupt(format: container.rawValue, reason: "no audio stream could be decoded")
        }
        func word(_ offset: Int) -> Int {
            output.subdata(in: offset..<offset + 4).reduce(0) { $0 << 8 | Int($1) }
        }
        let offset = word(4), rate = word(16)
        guard AudioLimits.sampleRates.contains(rate) else { throw AudioError.implausibleSampleRate(rate) }
        guard offset >= 24, offset <= output.count else {
            throw AudioError.corrupt(format: container.rawValue, reason: "ffmpeg produced a malformed stream")
        }
        let payload = output.subdata(in: offset..<output.count)
        var samples = [Float](repeating: 0, count: payload.count / 4)
        payload.withUnsafeBytes { raw in
            for index in samples.indices {
                samples[index] = Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
        }
        guard !samples.isEmpty else { throw AudioError.noSamples }
        let seconds = Double(samples.count) / Double(rate)
        guard seconds <= limits.maxDuration else { throw AudioError.tooLong(seconds: seconds, limit: limits.maxDuration) }
        return DecodedAudio(audio: AudioBuffer(samples: samples, sampleRate: rate), container: container,
                            sourceChannels: 1, sourceSampleRate: rate)
    }

    /// Encodes mono float audio as AAC in an ADTS stream.
    static func encodeAAC(_ audio: AudioBuffer, bitrate: String = "96k") throws -> Data {
        var raw = Data(capacity: audio.samples.count * 4)
        for sample in audio.samples {
            withUnsafeBytes(of: min(max(sample, -1), 1).bitPattern.littleEndian) { raw.append(contentsOf: $0) }
        }
        let arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-f", "f32le", "-ar", String(audio.sampleRate),
                         "-ac", "1", "-i", "pipe:0", "-c:a", "aac", "-b:a", bitrate, "-f", "adts", "pipe:1"]
        let output = try run(arguments, input: raw)
        guard !output.isEmpty else { throw AudioError.encodingFailed(format: "aac", reason: "ffmpeg produced no output") }
        return output
    }

    /// Runs ffmpeg with `arguments`, feeding `input` on stdin; returns stdout.
    private static func run(_ arguments: [String], input: Data) throws -> Data {
        guard let executable = locate() else { throw AudioError.ffmpegMissing }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { throw AudioError.ffmpegMissing }

        let group = DispatchGroup()
        let collected = PipeCollector()
        DispatchQueue.global().async(group: group) {
            // ffmpeg may stop reading early (bad input): a write error is expected then.
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) {
            collected.setError(stderr.fileHandleForReading.readDataToEndOfFile())
        }
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        group.wait()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let detail = String(decoding: collected.error.prefix(300), as: UTF8.self)
                .replacingOccurrences(of: "pipe:0: ", with: "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw AudioError.ffmpegFailed(reason: detail.isEmpty ? "it exited with status \(process.terminationStatus)" : detail)
        }
        return output
    }

    private static func locate() -> URL? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in paths + ["/usr/bin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("ffmpeg")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Holds stderr read on another thread.
    private final class PipeCollector: @unchecked Sendable {
        // @unchecked Sendable: written once before `group.wait()` returns, read after.
        private let lock = NSLock()
        private var stored = Data()
        func setError(_ data: Data) { lock.lock(); stored = data; lock.unlock() }
        var error: Data { lock.lock(); defer { lock.unlock() }; return stored }
    }
}
