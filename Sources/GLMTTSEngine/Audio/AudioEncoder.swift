import CSndFile
import Foundation

/// Encodes mono float audio into an `OutputFormat`, entirely in memory.
///
/// Samples are clipped to [-1, 1] first (NaN and infinities become 0): no output format
/// can carry more, and wrapping integer overflow would be far worse than clipping. When
/// the format cannot store the input's sample rate, the audio is first resampled (high
/// quality soxr) to `OutputFormat.encodedSampleRate(for:)`: Opus always to 48 kHz, MP3 and
/// AAC only for rates those codecs lack. WAV (16-bit PCM), FLAC (16-bit), MP3 and Ogg Opus
/// are written by libsndfile through virtual I/O; AAC (ADTS) by ffmpeg; PCM (raw s16le,
/// no header) directly. Blocking: call it from a `BlockingExecutor`.
public enum AudioEncoder {
    /// The encoded bytes. Throws `AudioError.noSamples` for empty audio,
    /// `implausibleSampleRate` for a rate outside 4 000–384 000 Hz, and `encodingFailed`
    /// (or `ffmpegMissing` for AAC) when the encoder fails.
    public static func encode(_ audio: AudioBuffer, as format: OutputFormat) throws -> Data {
        guard !audio.samples.isEmpty else { throw AudioError.noSamples }
        guard AudioLimits.sampleRates.contains(audio.sampleRate) else { throw AudioError.implausibleSampleRate(audio.sampleRate) }
        switch format {
        case .pcm:
            // WAV and PCM keep the input's rate (every request's master is a WAV): clipped and
            // converted in one pass straight into the output, with no float copy.
            return pcm16(audio.samples)
        case .wav:
            return pcm16(audio.samples, after: wavHeader(sampleRate: audio.sampleRate, dataBytes: audio.samples.count * 2))
        case .aac:
            return try FFmpeg.encodeAAC(prepared(audio, for: format))
        case .flac:
            return try writeWithSndFile(prepared(audio, for: format), format: SF_FORMAT_FLAC | SF_FORMAT_PCM_16, name: "flac")
        case .mp3:
            return try writeWithSndFile(prepared(audio, for: format), format: SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, name: "mp3")
        case .opus:
            return try writeWithSndFile(prepared(audio, for: format), format: SF_FORMAT_OGG | SF_FORMAT_OPUS, name: "opus")
        }
    }

    /// `audio` clipped and, when `format` cannot store its rate, resampled to the rate it can.
    private static func prepared(_ audio: AudioBuffer, for format: OutputFormat) throws -> AudioBuffer {
        var prepared = AudioBuffer(samples: audio.samples.map(clip), sampleRate: audio.sampleRate)
        let rate = format.encodedSampleRate(for: audio.sampleRate)
        if rate != prepared.sampleRate {
            prepared = try Resampler.resample(prepared, to: rate)
            prepared.samples = prepared.samples.map(clip)  // the filter can overshoot slightly
        }
        return prepared
    }

    /// `prefix` (a WAV header, or nothing) followed by the samples as 16-bit little-endian
    /// PCM, each clipped to [-1, 1] first (NaN and infinities become 0).
    static func pcm16(_ samples: [Float], after prefix: Data = Data()) -> Data {
        var data = Data(count: prefix.count + samples.count * 2)
        data.withUnsafeMutableBytes { raw in
            raw.copyBytes(from: prefix)
            let output = UnsafeMutableRawBufferPointer(rebasing: raw[prefix.count...])
            samples.withUnsafeBufferPointer { input in
                for index in 0..<input.count {
                    // Rounding to nearest-even compiles to one vector instruction (the default
                    // rounding, away from zero on ties, is a libm call per sample).
                    let value = Int16((clip(input[index]) * 32767).rounded(.toNearestOrEven))
                    output.storeBytes(of: value.littleEndian, toByteOffset: index * 2, as: Int16.self)
                }
            }
        }
        return data
    }

    /// The 44-byte header of a mono 16-bit PCM WAV file whose sample data is `dataBytes` long;
    /// nil writes the sizes as "unknown" (0xFFFFFFFF, read as "to the end"), for streams.
    public static func wavHeader(sampleRate: Int, dataBytes: Int?) -> Data {
        var header = Data(capacity: 44)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) } }
        header.append(contentsOf: Array("RIFF".utf8))
        append(dataBytes.map { UInt32(clamping: 36 + $0) } ?? .max)
        header.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16))
        append(UInt16(1))  // PCM
        append(UInt16(1))  // mono
        append(UInt32(sampleRate))
        append(UInt32(sampleRate * 2))  // bytes per second
        append(UInt16(2))  // bytes per frame
        append(UInt16(16))  // bits per sample
        header.append(contentsOf: Array("data".utf8))
        append(dataBytes.map { UInt32(clamping: $0) } ?? .max)
        return header
    }

    /// A finite sample limited to [-1, 1]; NaN and infinities become silence.
    @inline(__always) private static func clip(_ sample: Float) -> Float {
        sample.isFinite ? min(max(sample, -1), 1) : 0
    }

    private static func writeWithSndFile(_ audio: AudioBuffer, format: Int, name: String) throws -> Data {
        let memory = SndFileMemory()
        var io = SndFileMemory.callbacks
        var info = SF_INFO()
        info.samplerate = Int32(audio.sampleRate)
        info.channels = 1
        info.format = Int32(format)
        guard sf_format_check(&info) != 0 else {
            throw AudioError.encodingFailed(format: name, reason: "libsndfile cannot write \(name) at \(audio.sampleRate) Hz")
        }
        let user = Unmanaged.passUnretained(memory).toOpaque()
        return try withExtendedLifetime(memory) {
            guard let file = sf_open_virtual(&io, Int32(SFM_WRITE), &info, user) else {
                throw AudioError.encodingFailed(format: name, reason: String(cString: sf_strerror(nil)))
            }
            let samples = audio.samples
            let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t($0.count)) }
            let writeError = sf_error(file) != 0 ? String(cString: sf_strerror(file)) : nil
            let closeStatus = sf_close(file)
            guard written == samples.count, closeStatus == 0 else {
                throw AudioError.encodingFailed(
                    format: name,
                    reason: writeError ?? "libsndfile wrote \(written) of \(samples.count) samples")
            }
            return Data(memory.bytes)
        }
    }
}
