import CSndFile
import Foundation

/// Decodes audio bytes into mono float samples.
///
/// The format is recognised from the content (magic bytes), never from a file name. WAV,
/// FLAC, OGG Vorbis/Opus and MP3 are decoded in-process by libsndfile through virtual
/// I/O over the bytes; M4A/AAC/WebM are piped through the `ffmpeg` command. Declared sizes
/// are checked against `AudioLimits` before anything large is allocated, and reading stops
/// at the limit whatever the header claims. Blocking: call it from a `BlockingExecutor`.
public enum AudioDecoder {
    /// Decodes `data`; throws `AudioError` with a clear message for anything unusable.
    public static func decode(_ data: Data, limits: AudioLimits = .default) throws -> DecodedAudio {
        guard !data.isEmpty else { throw AudioError.empty }
        guard data.count <= limits.maxBytes else { throw AudioError.tooLarge(bytes: data.count, limit: limits.maxBytes) }
        guard let container = AudioContainer.sniff(data) else { throw AudioError.unsupportedFormat }
        if container.decodedInProcess {
            return try decodeWithSndFile(data, container: container, limits: limits)
        }
        return try FFmpeg.decode(data, container: container, limits: limits)
    }

    /// Reads a file (size-checked first) and decodes it.
    public static func decode(fileAt url: URL, limits: AudioLimits = .default) throws -> DecodedAudio {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size <= limits.maxBytes else { throw AudioError.tooLarge(bytes: size, limit: limits.maxBytes) }
        return try decode(Data(contentsOf: url), limits: limits)
    }

    private static func decodeWithSndFile(_ data: Data, container: AudioContainer, limits: AudioLimits) throws -> DecodedAudio {
        let memory = SndFileMemory(bytes: [UInt8](data))
        var io = SndFileMemory.callbacks
        var info = SF_INFO()
        let user = Unmanaged.passUnretained(memory).toOpaque()
        guard let file = withExtendedLifetime(memory, { sf_open_virtual(&io, Int32(SFM_READ), &info, user) }) else {
            let reason = String(cString: sf_strerror(nil))
            throw AudioError.corrupt(format: container.rawValue, reason: reason)
        }
        defer { sf_close(file) }
        let channels = Int(info.channels), rate = Int(info.samplerate)
        guard AudioLimits.channelCounts.contains(channels) else { throw AudioError.implausibleChannelCount(channels) }
        guard AudioLimits.sampleRates.contains(rate) else { throw AudioError.implausibleSampleRate(rate) }
        let maxFrames = Int(limits.maxDuration * Double(rate))
        // The declared length may lie (truncated files, hostile headers): read in blocks and
        // stop at EOF or at the limit instead of trusting it for the allocation.
        let blockFrames = 16_384
        var block = [Float](repeating: 0, count: blockFrames * channels)
        var mono: [Float] = []
        mono.reserveCapacity(min(max(Int(info.frames), 0), maxFrames, 1 << 22))
        while true {
            let read = Int(block.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(blockFrames)) })
            if read <= 0 { break }
            if channels == 1 {
                mono.append(contentsOf: block[0..<read])
            } else {
                let scale = 1 / Float(channels)
                for frame in 0..<read {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += block[frame * channels + channel] }
                    mono.append(sum * scale)
                }
            }
            if mono.count > maxFrames {
                throw AudioError.tooLong(seconds: Double(mono.count) / Double(rate), limit: limits.maxDuration)
            }
        }
        if sf_error(file) != 0, mono.isEmpty {
            throw AudioError.corrupt(format: container.rawValue, reason: String(cString: sf_strerror(file)))
        }
        guard !mono.isEmpty else { throw AudioError.noSamples }
        // libsndfile maps integer PCM into [-1, 1]; a float file may hold anything, including NaN.
        if mono.contains(where: { !$0.isFinite }) {
            throw AudioError.corrupt(format: container.rawValue, reason: "it contains invalid (NaN or infinite) samples")
        }
        return DecodedAudio(audio: AudioBuffer(samples: mono, sampleRate: rate), container: container,
                            sourceChannels: channels, sourceSampleRate: rate)
    }
}
