import Foundation

/// The channel count and sample rate a RIFF/RIFX/RF64 WAVE file declares in its `fmt `
/// chunk, read without trusting anything else in the file.
///
/// Used when libsndfile refuses a WAV, to tell the caller precisely what is wrong (an
/// impossible sample rate or channel count) instead of a generic "damaged" message.
struct WAVFormatChunk: Equatable {
    var channels: Int
    var sampleRate: Int

    init(channels: Int, sampleRate: Int) {
        self.channels = channels
        self.sampleRate = sampleRate
    }

    /// The declared format, or nil when no complete `fmt ` chunk is found in the first
    /// 64 KiB (chunks are walked by their sizes; a size that runs past the data ends it).
    init?(_ data: Data) {
        let bytes = [UInt8](data.prefix(65_536))
        guard bytes.count >= 12, bytes[8..<12].elementsEqual("WAVE".utf8) else { return nil }
        let bigEndian = bytes[0..<4].elementsEqual("RIFX".utf8)
        func integer(_ offset: Int, _ width: Int) -> Int {
            let slice = bytes[offset..<offset + width]
            return bigEndian ? slice.reduce(0) { $0 << 8 | Int($1) } : slice.reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        var offset = 12
        while offset + 8 <= bytes.count {
            let size = integer(offset + 4, 4)
            if bytes[offset..<offset + 4].elementsEqual("fmt ".utf8) {
                guard size >= 16, offset + 16 <= bytes.count else { return nil }
                channels = integer(offset + 10, 2)
                sampleRate = integer(offset + 12, 4)
                return
            }
            offset += 8 + size + (size & 1)  // chunks are padded to an even length
        }
        return nil
    }
}
