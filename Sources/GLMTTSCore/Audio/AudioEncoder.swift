import CSndFile
import Foundation

/// Encodes mono float audio into an `OutputFormat`, entirely in memory.
///
/// Samples are clipped to [-1, 1] first (a format cannot carry more). WAV, FLAC, MP3 and
/// Opus are written by libsndfile through virtual I/O; AAC by ffmpeg; PCM by hand.
/// Blocking: call it from a `BlockingExecutor`.
public enum AudioEncoder {
    /// The encoded bytes; throws `AudioError` for empty audio or an encoder failure.
    public static func encode(_ audio: AudioBuffer, as format: OutputFormat) throws -> Data {
        guard !audio.samples.isEmpty else { throw AudioError.noSamples }
        guard AudioLimits.sampleRates.contains(audio.sampleRate) else { throw AudioError.implausibleSampleRate(audio.sampleRate) }
        let clipped = audio.samples.map { $0.isFinite ? min(max($0, -1), 1) : 0 }
        switch format {
        case .pcm:
            var data = Data(capacity: clipped.count * 2)
            for sample in clipped {
                withUnsafeBytes(of: Int16((sample * 32767).rounded()).littleEndian) { data.append(contentsOf: $0) }
            }
            return data
        case .aac:
            return try FFmpeg.encodeAAC(AudioBuffer(samples: clipped, sampleRate: audio.sampleRate))
        case .wav:
            return try writeWithSndFile(clipped, sampleRate: audio.sampleRate, format: UInt32(SF_FORMAT_WAV) | UInt32(SF_FORMAT_PCM_16), name: "wav")
        case .flac:
            return try writeWithSndFile(clipped, sampleRate: audio.sampleRate, format: UInt32(SF_FORMAT_FLAC) | UInt32(SF_FORMAT_PCM_16), name: "flac")
        case .mp3:
            return try writeWithSndFile(clipped, sampleRate: audio.sampleRate, format: UInt32(SF_FORMAT_MPEG) | UInt32(SF_FORMAT_MPEG_LAYER_III), name: "mp3")
        case .opus:
            let resampled = try Resampler.resample(AudioBuffer(samples: clipped, sampleRate: audio.sampleRate), to: 48_000)
            let samples = resampled.samples.map { min(max($0, -1), 1) }
            return try writeWithSndFile(samples, sampleRate: 48_000, format: UInt32(SF_FORMAT_OGG) | UInt32(SF_FORMAT_OPUS), name: "opus")
        }
    }

    private static func writeWithSndFile(_ samples: [Float], sampleRate: Int, format: UInt32, name: String) throws -> Data {
        let memory = SndFileMemory()
        var io = SndFileMemory.callbacks
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = Int32(format)
        guard sf_format_check(&info) != 0 else {
            throw AudioError.encodingFailed(format: name, reason: "libsndfile cannot write \(name) at \(sampleRate) Hz")
        }
        let user = Unmanaged.passUnretained(memory).toOpaque()
        guard let file = sf_open_virtual(&io, Int32(SFM_WRITE), &info, user) else {
            throw AudioError.encodingFailed(format: name, reason: String(cString: sf_strerror(nil)))
        }
        let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t($0.count)) }
        let closeStatus = sf_close(file)
        guard written == samples.count, closeStatus == 0 else {
            throw AudioError.encodingFailed(format: name, reason: "libsndfile wrote \(written) of \(samples.count) samples")
        }
        return withExtendedLifetime(memory) { Data(memory.bytes) }
    }
}
