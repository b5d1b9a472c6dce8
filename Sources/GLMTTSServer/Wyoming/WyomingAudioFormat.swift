import GLMTTSEngine

/// The format of Wyoming audio (`audio-start` / `audio-chunk` data): little-endian PCM,
/// `width` bytes per sample (1: unsigned 8-bit, 2: signed 16-bit, 4: signed 32-bit),
/// `channels` interleaved, `rate` frames per second.
struct WyomingAudioFormat: Equatable, Sendable {
    var rate: Int
    var width: Int
    var channels: Int

    /// The format an event's data names; nil with the reason when it is missing or out of range.
    static func from(_ event: WyomingEvent) -> Result<WyomingAudioFormat, WyomingRefusal> {
        guard let rate = event.data["rate"]?.intValue, let width = event.data["width"]?.intValue,
            let channels = event.data["channels"]?.intValue
        else {
            return .failure(
                WyomingRefusal(
                    code: ProblemCode.requestMissingField,
                    text: "'\(event.type)' needs whole numbers 'rate', 'width' and 'channels' (for example 16000, 2 and 1)."))
        }
        guard (4_000...192_000).contains(rate), [1, 2, 4].contains(width), (1...8).contains(channels) else {
            return .failure(
                WyomingRefusal(
                    code: ProblemCode.requestInvalidField,
                    text:
                        "Audio must be 4000–192000 Hz, 1, 2 or 4 bytes per sample and 1–8 channels; '\(event.type)' says rate \(rate), width \(width), channels \(channels)."
                ))
        }
        return .success(WyomingAudioFormat(rate: rate, width: width, channels: channels))
    }

    /// Bytes of one frame (one sample of every channel).
    var frameBytes: Int { width * channels }

    /// Mono samples in −1…1 of `bytes` (whole frames; a trailing partial frame is dropped).
    func monoSamples(_ bytes: [UInt8]) -> [Float] {
        let frames = bytes.count / frameBytes
        var samples = [Float](repeating: 0, count: frames)
        bytes.withUnsafeBufferPointer { raw in
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<channels {
                    let at = frame * frameBytes + channel * width
                    switch width {
                    case 1: sum += (Float(raw[at]) - 128) / 128
                    case 2: sum += Float(Int16(bitPattern: UInt16(raw[at]) | UInt16(raw[at + 1]) << 8)) / 32_768
                    default:
                        let value = UInt32(raw[at]) | UInt32(raw[at + 1]) << 8 | UInt32(raw[at + 2]) << 16 | UInt32(raw[at + 3]) << 24
                        sum += Float(Int32(bitPattern: value)) / 2_147_483_648
                    }
                }
                samples[frame] = sum / Float(channels)
            }
        }
        return samples
    }
}
