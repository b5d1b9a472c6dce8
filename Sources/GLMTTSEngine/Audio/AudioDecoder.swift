import CSndFile
import Foundation

/// Decodes audio bytes into mono float samples.
///
/// The format is recognised from the content (magic bytes), never from a file name. WAV,
/// FLAC, OGG Vorbis/Opus and MP3 are decoded in-process by libsndfile through virtual
/// I/O over the bytes (no temporary files); M4A/AAC/WebM — and any of the former that
/// libsndfile refuses to open (an MP3-in-WAV, an Ogg FLAC, …) — go through the `ffmpeg`
/// command. Multichannel audio is down-mixed by averaging the channels. Sizes are checked
/// against `AudioLimits`: the byte count before anything is parsed, an exact declared
/// length (WAV, FLAC) before decoding, and the decoded length while reading, so a header
/// that lies can neither cause a huge allocation nor an endless read.
/// Blocking: call it from a `BlockingExecutor`.
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

    /// Reads the file at `url` (its size is checked before it is read) and decodes it by
    /// content, whatever its extension. Throws `AudioError.fileUnreadable` when the file
    /// cannot be read.
    public static func decode(fileAt url: URL, limits: AudioLimits = .default) throws -> DecodedAudio {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        } catch {
            throw AudioError.fileUnreadable(path: url.path, reason: "it does not exist or cannot be accessed")
        }
        if let type = attributes[.type] as? FileAttributeType, type == .typeDirectory {
            throw AudioError.fileUnreadable(path: url.path, reason: "it is a directory")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limits.maxBytes else { throw AudioError.tooLarge(bytes: size, limit: limits.maxBytes) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw AudioError.fileUnreadable(path: url.path, reason: "reading it failed")
        }
        return try decode(data, limits: limits)
    }

    private static func decodeWithSndFile(_ data: Data, container: AudioContainer, limits: AudioLimits) throws -> DecodedAudio {
        let memory = SndFileMemory(bytes: [UInt8](data))
        var io = SndFileMemory.callbacks
        var info = SF_INFO()
        let user = Unmanaged.passUnretained(memory).toOpaque()
        return try withExtendedLifetime(memory) {
            guard let file = sf_open_virtual(&io, Int32(SFM_READ), &info, user) else {
                let refusal = AudioError.corrupt(format: container.rawValue, reason: String(cString: sf_strerror(nil)))
                return try decodeRefused(data, container: container, limits: limits, refusal: refusal)
            }
            defer { sf_close(file) }
            return try read(file, info: info, container: container, limits: limits)
        }
    }

    /// libsndfile refused the bytes: ffmpeg gets a try, with the demuxer of the sniffed
    /// container (an MP3-in-WAV is read by ffmpeg's WAV demuxer; nothing is probed). When it
    /// fails too, libsndfile's reason is reported, unless ffmpeg found a limit was broken.
    private static func decodeRefused(
        _ data: Data, container: AudioContainer, limits: AudioLimits,
        refusal: AudioError
    ) throws -> DecodedAudio {
        // A WAV header with an impossible rate or channel count deserves that exact message.
        if container == .wav, let format = WAVFormatChunk(data) {
            guard AudioLimits.sampleRates.contains(format.sampleRate) else { throw AudioError.implausibleSampleRate(format.sampleRate) }
            guard AudioLimits.channelCounts.contains(format.channels) else { throw AudioError.implausibleChannelCount(format.channels) }
        }
        do {
            return try FFmpeg.decode(data, container: container, limits: limits)
        } catch let error as AudioError {
            switch error {
            case .tooLong, .implausibleSampleRate, .implausibleChannelCount, .temporaryStorageFailed: throw error
            default: throw refusal
            }
        }
    }

    private static func read(
        _ file: OpaquePointer, info: SF_INFO, container: AudioContainer,
        limits: AudioLimits
    ) throws -> DecodedAudio {
        let channels = Int(info.channels)
        let rate = Int(info.samplerate)
        guard AudioLimits.channelCounts.contains(channels) else { throw AudioError.implausibleChannelCount(channels) }
        guard AudioLimits.sampleRates.contains(rate) else { throw AudioError.implausibleSampleRate(rate) }
        // Samples, not only seconds, are bounded: a tiny FLAC of silence at 384 kHz would
        // otherwise decode to 600 s × 384 000 floats (0.9 GB). Above 48 kHz the longest clip
        // is shorter in proportion (found by fuzzing).
        let maxFrames = Int(limits.maxDuration * Double(min(rate, AudioLimits.sampleBudgetRate)))
        let durationLimit = Double(maxFrames) / Double(rate)
        let declaredFrames = Int(info.frames)
        // WAV and FLAC declare an exact length (libsndfile already clamps a WAV data chunk to
        // the bytes present): refuse a too-long file before decoding it. MP3 lengths are
        // estimates, so those are only checked while reading.
        if container == .wav || container == .flac, declaredFrames > maxFrames, declaredFrames < Int(Int64.max / 2) {
            throw AudioError.tooLong(seconds: Double(declaredFrames) / Double(rate), limit: durationLimit)
        }
        // Even so, never trust the declared length for an allocation: read in blocks and stop
        // at EOF or at the limit.
        let blockFrames = 16_384
        var block = [Float](repeating: 0, count: blockFrames * channels)
        var mono: [Float] = []
        mono.reserveCapacity(min(max(declaredFrames, 0), maxFrames, 1 << 22))
        let scale = 1 / Float(channels)
        while true {
            let read = Int(block.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(blockFrames)) })
            if read <= 0 { break }
            if channels == 1 {
                mono.append(contentsOf: block[0..<read])
            } else {
                for frame in 0..<read {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += block[frame * channels + channel] }
                    mono.append(sum * scale)
                }
            }
            if mono.count > maxFrames {
                throw AudioError.tooLong(seconds: Double(mono.count) / Double(rate), limit: durationLimit)
            }
        }
        if sf_error(file) != 0, mono.isEmpty {
            throw AudioError.corrupt(format: container.rawValue, reason: String(cString: sf_strerror(file)))
        }
        guard !mono.isEmpty else { throw AudioError.noSamples }
        return try DecodedAudio.checked(samples: mono, sampleRate: rate, container: container, sourceChannels: channels)
    }
}
