/// Encodings the service can return.
public enum OutputFormat: String, Sendable, Codable, CaseIterable {
    /// RIFF WAVE, 16-bit PCM.
    case wav
    /// MPEG Layer III (libsndfile + LAME), at the input rate when MP3 has it (8–48 kHz),
    /// see `encodedSampleRate(for:)`.
    case mp3
    /// Opus in Ogg, at 48 kHz (Opus only supports 8/12/16/24/48 kHz; we resample to 48 kHz).
    case opus
    /// FLAC, 16-bit.
    case flac
    /// AAC-LC in an ADTS stream (through ffmpeg), 96 kbit/s. ADTS (not M4A) so the bytes
    /// can be streamed without seeking back to write an index; like every raw AAC stream
    /// it carries the encoder's 1024 priming samples (about 21 ms at 48 kHz) at the start.
    case aac
    /// Raw 16-bit little-endian mono PCM, no header, at the voice's sample rate.
    case pcm

    /// Parses a format name or file extension, case-insensitively.
    public init?(name: String) {
        switch name.lowercased() {
        case "wav", "wave": self = .wav
        case "mp3": self = .mp3
        case "opus", "ogg": self = .opus
        case "flac": self = .flac
        case "aac", "adts": self = .aac
        case "pcm", "raw": self = .pcm
        default: return nil
        }
    }

    /// MIME type for HTTP responses.
    public var mimeType: String {
        switch self {
        case .wav: return "audio/wav"
        case .mp3: return "audio/mpeg"
        case .opus: return "audio/ogg; codecs=opus"
        case .flac: return "audio/flac"
        case .aac: return "audio/aac"
        case .pcm: return "audio/L16"
        }
    }

    /// Conventional file extension.
    public var fileExtension: String { rawValue }
}
