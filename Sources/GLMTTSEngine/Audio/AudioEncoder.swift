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
        var prepared = AudioBuffer(samples: audio.samples.map(clip), sampleRate: audio.sampleRate)
        let rate = format.encodedSampleRate(for: audio.sampleRate)
        if rate != prepared.sampleRate {
            prepared = try Resampler.resample(prepared, to: rate)
            prepared.samples = prepared.samples.map(clip)  // the filter can overshoot slightly
        }
        switch format {
        case .pcm:
            var data = Data(capacity: prepared.samples.count * 2)
            for sample in prepared.samples {
                withUnsafeBytes(of: Int16((sample * 32767).rounded()).littleEndian) { data.append(contentsOf: $0) }
            }
            return data
        case .aac:
            return try FFmpeg.encodeAAC(prepared)
        case .wav:
            return try writeWithSndFile(prepared, format: SF_FORMAT_WAV | SF_FORMAT_PCM_16, name: "wav")
        case .flac:
            return try writeWithSndFile(prepared, format: SF_FORMAT_FLAC | SF_FORMAT_PCM_16, name: "flac")
        case .mp3:
            return try writeWithSndFile(prepared, format: SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, name: "mp3")
        case .opus:
            return try writeWithSndFile(prepared, format: SF_FORMAT_OGG | SF_FORMAT_OPUS, name: "opus")
        }
    }

    /// A finite sample limited to [-1, 1]; NaN and infinities become silence.
    private static func clip(_ sample: Float) -> Float {
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
