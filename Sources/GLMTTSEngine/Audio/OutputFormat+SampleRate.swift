extension OutputFormat {
    /// MP3 (LAME) sample rates: MPEG-1, -2 and -2.5 layer III.
    static let mp3SampleRates = [8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]
    /// Sample rates ffmpeg's AAC encoder accepts.
    static let aacSampleRates = [
        7_350, 8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000,
        64_000, 88_200, 96_000,
    ]

    /// The sample rate `AudioEncoder` writes this format at for audio at `inputRate`.
    ///
    /// WAV, FLAC and PCM keep the input rate. Opus is always 48 kHz (Ogg Opus only supports
    /// 8/12/16/24/48 kHz and players decode it at 48 kHz anyway). MP3 and AAC keep the
    /// input rate when the codec supports it and otherwise use the lowest supported rate
    /// above it (the highest supported rate for faster input), so nothing is lost.
    public func encodedSampleRate(for inputRate: Int) -> Int {
        switch self {
        case .wav, .flac, .pcm: return inputRate
        case .opus: return 48_000
        case .mp3: return Self.nearestAtOrAbove(inputRate, in: Self.mp3SampleRates)
        case .aac: return Self.nearestAtOrAbove(inputRate, in: Self.aacSampleRates)
        }
    }

    private static func nearestAtOrAbove(_ rate: Int, in supported: [Int]) -> Int {
        supported.first { $0 >= rate } ?? supported[supported.count - 1]
    }
}
