package import Foundation
import GLMTTSEngine

/// Turns the raw audio chunks of a running synthesis into the bytes of a streamed
/// response, chunk by chunk, as sentences finish.
///
/// - `pcm`: 24 kHz signed 16-bit little-endian mono, as OpenAI's API defines it.
/// - `wav`: a WAV header with unknown length (0xFFFFFFFF sizes, which players and ffmpeg
///   read as "until the end"), then 16-bit PCM at the engine's rate.
/// - `mp3`, `aac`: each chunk encoded on its own; MP3 and ADTS AAC are frame sequences,
///   so the concatenation is one valid stream.
/// - `opus`, `flac`: their containers cannot be concatenated, so the audio is encoded once
///   when synthesis ends (`finish`), and nothing is sent before.
package struct SpeechStreamEncoder {
    /// The rate of `pcm` output (OpenAI's).
    static let pcmSampleRate = 24_000

    let format: OutputFormat
    private var pending: [AudioBuffer] = []
    private var wroteHeader = false

    init(format: OutputFormat) {
        self.format = format
    }

    /// Bytes to send for `chunk` (may be empty).
    mutating func encode(_ chunk: AudioBuffer) throws -> Data {
        guard !chunk.samples.isEmpty else { return Data() }
        switch format {
        case .pcm:
            return try AudioEncoder.encode(Resampler.resample(chunk, to: Self.pcmSampleRate), as: .pcm)
        case .wav:
            var data = Data()
            if !wroteHeader {
                data.append(Self.streamingWAVHeader(sampleRate: chunk.sampleRate))
                wroteHeader = true
            }
            data.append(try AudioEncoder.encode(chunk, as: .pcm))
            return data
        case .mp3, .aac:
            return try AudioEncoder.encode(chunk, as: format)
        case .opus, .flac:
            pending.append(chunk)
            return Data()
        }
    }

    /// Bytes to send after the last chunk.
    mutating func finish() throws -> Data {
        guard !pending.isEmpty else { return Data() }
        var all = AudioBuffer(samples: [], sampleRate: pending[0].sampleRate)
        for chunk in pending { all.append(chunk) }
        pending.removeAll()
        return try AudioEncoder.encode(all, as: format)
    }

    /// A 44-byte WAV header (mono, 16-bit) whose sizes say "unknown".
    package static func streamingWAVHeader(sampleRate: Int) -> Data {
        AudioEncoder.wavHeader(sampleRate: sampleRate, dataBytes: nil)
    }
}
