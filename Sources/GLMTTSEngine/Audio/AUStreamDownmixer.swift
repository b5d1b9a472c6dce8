import Foundation

/// Reads the Sun AU stream (`-c:a pcm_f32be -f au`) that ffmpeg writes on stdout, chunk by
/// chunk, and averages its channels into mono as it goes.
///
/// AU is used instead of raw f32le because its 24-byte header carries the sample rate and
/// channel count, so neither has to be probed separately. Only the mono result is kept,
/// and `consume` throws `tooLong` as soon as more than `maxFrames` frames have arrived, so
/// memory stays bounded whatever the input claims.
struct AUStreamDownmixer {
    /// Label for error messages ("m4a", "webm", …).
    let format: String
    /// Most seconds accepted.
    let maxDuration: Double

    private(set) var sampleRate = 0
    private(set) var channels = 0
    private(set) var mono: [Float] = []
    private var pending = Data()
    private var headerParsed = false
    private var dataOffset = 0

    init(format: String, maxDuration: Double) {
        self.format = format
        self.maxDuration = maxDuration
    }

    /// Takes the next chunk of ffmpeg's output.
    mutating func consume(_ chunk: Data) throws {
        pending.append(chunk)
        if !headerParsed {
            guard pending.count >= 24 else { return }
            try parseHeader()
            guard pending.count >= dataOffset else { return }
            pending.removeFirst(dataOffset)
            headerParsed = true
        }
        let frameBytes = channels * 4
        let frames = pending.count / frameBytes
        guard frames > 0 else { return }
        let scale = 1 / Float(channels)
        mono.reserveCapacity(mono.count + frames)
        pending.withUnsafeBytes { raw in
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<channels {
                    let bits = raw.loadUnaligned(fromByteOffset: (frame * channels + channel) * 4, as: UInt32.self)
                    sum += Float(bitPattern: UInt32(bigEndian: bits))
                }
                mono.append(channels == 1 ? sum : sum * scale)
            }
        }
        pending.removeFirst(frames * frameBytes)
        // Bounded in samples as AudioDecoder is (`AudioLimits.sampleBudgetRate`).
        let limit = maxDuration * Double(min(sampleRate, AudioLimits.sampleBudgetRate)) / Double(sampleRate)
        let seconds = Double(mono.count) / Double(sampleRate)
        if seconds > limit { throw AudioError.tooLong(seconds: seconds, limit: limit) }
    }

    /// Checks that a complete stream arrived.
    func finish() throws {
        guard headerParsed else {
            throw AudioError.corrupt(format: format, reason: "no audio stream could be decoded")
        }
        guard !mono.isEmpty else { throw AudioError.noSamples }
    }

    /// Header (big-endian words): ".snd", data offset, data size, encoding, rate, channels.
    private mutating func parseHeader() throws {
        let bytes = [UInt8](pending.prefix(24))
        func word(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        guard bytes[0..<4].elementsEqual(".snd".utf8), word(12) == 6 else {
            throw AudioError.corrupt(format: format, reason: "ffmpeg produced an unexpected stream")
        }
        dataOffset = word(4)
        sampleRate = word(16)
        channels = word(20)
        guard (24...4096).contains(dataOffset) else {
            throw AudioError.corrupt(format: format, reason: "ffmpeg produced an unexpected stream")
        }
        guard AudioLimits.sampleRates.contains(sampleRate) else { throw AudioError.implausibleSampleRate(sampleRate) }
        guard AudioLimits.channelCounts.contains(channels) else { throw AudioError.implausibleChannelCount(channels) }
    }
}
