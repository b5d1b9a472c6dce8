import Foundation

/// Audio could not be decoded, encoded or processed.
public enum AudioError: GLMTTSError, Equatable {
    /// No bytes at all.
    case empty
    /// More bytes than the limit allows.
    case tooLarge(bytes: Int, limit: Int)
    /// Longer than the limit allows.
    case tooLong(seconds: Double, limit: Double)
    /// Not a format we can read.
    case unsupportedFormat
    /// The container was recognised but its contents are broken or cut off.
    case corrupt(format: String, reason: String)
    /// The file holds no samples.
    case noSamples
    /// The declared sample rate is outside 4 000–384 000 Hz.
    case implausibleSampleRate(Int)
    /// The declared channel count is outside 1–32.
    case implausibleChannelCount(Int)
    /// ffmpeg is needed for this format but is not installed.
    case ffmpegMissing
    /// ffmpeg ran and failed.
    case ffmpegFailed(reason: String)
    /// Encoding into `format` failed.
    case encodingFailed(format: String, reason: String)
    /// Resampling failed.
    case resamplingFailed(reason: String)
    /// An audio file named by the caller could not be read (missing, unreadable).
    case fileUnreadable(path: String, reason: String)
    /// The temporary storage that hands bytes to ffmpeg could not be prepared.
    case temporaryStorageFailed(reason: String)

    /// Formats accepted on input, for messages.
    public static let supportedInput = "WAV, FLAC, OGG (Vorbis or Opus), MP3, M4A/AAC, WebM"

    /// Stable machine-readable identifier, `audio.*`.
    public var code: String {
        switch self {
        case .empty: return ProblemCode.audioEmpty
        case .tooLarge: return ProblemCode.audioTooLarge
        case .tooLong: return ProblemCode.audioTooLong
        case .unsupportedFormat: return ProblemCode.audioUnsupportedFormat
        case .corrupt: return ProblemCode.audioCorrupt
        case .noSamples: return ProblemCode.audioNoSamples
        case .implausibleSampleRate: return ProblemCode.audioImplausibleSampleRate
        case .implausibleChannelCount: return ProblemCode.audioImplausibleChannelCount
        case .ffmpegMissing: return ProblemCode.audioFfmpegMissing
        case .ffmpegFailed: return ProblemCode.audioFfmpegFailed
        case .encodingFailed: return ProblemCode.audioEncodingFailed
        case .resamplingFailed: return ProblemCode.audioResamplingFailed
        case .fileUnreadable: return ProblemCode.audioFileUnreadable
        case .temporaryStorageFailed: return ProblemCode.audioTemporaryStorageFailed
        }
    }

    /// Bad or oversized input is `.invalidInput`; a missing ffmpeg is `.unavailable`;
    /// encoder, resampler and storage failures are `.internalFailure`.
    public var category: ErrorCategory {
        switch self {
        case .ffmpegMissing: return .unavailable
        case .encodingFailed, .resamplingFailed, .temporaryStorageFailed: return .internalFailure
        default: return .invalidInput
        }
    }

    /// What went wrong and what to do about it.
    public var message: String {
        switch self {
        case .empty:
            return "The audio is empty (0 bytes); send a recording in \(Self.supportedInput)."
        case let .tooLarge(bytes, limit):
            return
                "The audio is \(Self.describe(bytes: bytes)), more than the \(Self.describe(bytes: limit)) limit; send a shorter clip (3–15 s is ideal)."
        case let .tooLong(seconds, limit):
            return
                "The audio is at least \(Int(seconds)) s long, more than the \(Int(limit)) s limit; send a shorter clip (3–15 s is ideal)."
        case .unsupportedFormat:
            return "This is not audio in a supported format; send \(Self.supportedInput)."
        case let .corrupt(format, reason):
            return "The \(format) audio is damaged or cut off (\(reason)); export or record it again."
        case .noSamples:
            return "The audio contains no samples; record or export it again."
        case let .implausibleSampleRate(rate):
            return "The audio declares a sample rate of \(rate) Hz, which is not plausible (4 000–384 000 Hz); the file is damaged."
        case let .implausibleChannelCount(count):
            return "The audio declares \(count) channels, which is not plausible (1–32); the file is damaged."
        case .ffmpegMissing:
            return
                "Reading this format (M4A/AAC/WebM) or writing AAC needs ffmpeg, which is not installed; run scripts/bootstrap or install ffmpeg."
        case let .ffmpegFailed(reason):
            return "ffmpeg could not process the audio: \(reason). The file is probably damaged."
        case let .encodingFailed(format, reason):
            return "Encoding the audio as \(format) failed: \(reason)."
        case let .resamplingFailed(reason):
            return "Resampling the audio failed: \(reason)."
        case let .fileUnreadable(path, reason):
            return "The audio file \(path) could not be read (\(reason)); check the path and its permissions."
        case let .temporaryStorageFailed(reason):
            return
                "The audio could not be handed to ffmpeg (\(reason)); check that the temporary directory (TMPDIR) is writable and not full."
        }
    }

    /// A byte count in the largest unit that keeps it readable ("512 bytes", "12.5 MiB").
    private static func describe(bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        if bytes < 1_048_576 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
