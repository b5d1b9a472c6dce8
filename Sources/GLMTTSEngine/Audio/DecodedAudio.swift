/// Decoded input audio: mono samples plus what the source was.
public struct DecodedAudio: Sendable {
    /// The audio, down-mixed to mono, at the source's sample rate.
    public var audio: AudioBuffer
    /// The container the bytes were recognised as.
    public var container: AudioContainer
    /// Channels in the source before down-mixing.
    public var sourceChannels: Int
    /// Sample rate of the source.
    public var sourceSampleRate: Int

    /// Bundles decoded audio with what the source was.
    public init(audio: AudioBuffer, container: AudioContainer, sourceChannels: Int, sourceSampleRate: Int) {
        self.audio = audio
        self.container = container
        self.sourceChannels = sourceChannels
        self.sourceSampleRate = sourceSampleRate
    }

    /// Decoded samples after the checks every decoder applies: refused when a sample is NaN
    /// or infinite (a float file may hold anything), and scaled down as a whole when the peak
    /// lies beyond full scale. Integer PCM is always within ±1; IEEE-float WAV and the float
    /// output of lossy decoders (MP3, AAC after gain) may not be. Scaling, unlike clipping,
    /// keeps the waveform, and keeps levels in dBFS (at most 0) for the quality report.
    /// - Throws: ``AudioError/corrupt(format:reason:)`` for NaN or infinite samples.
    static func checked(samples: [Float], sampleRate: Int, container: AudioContainer, sourceChannels: Int) throws -> DecodedAudio {
        var samples = samples
        var peak: Float = 0
        for sample in samples {
            guard sample.isFinite else {
                throw AudioError.corrupt(format: container.rawValue, reason: "it contains invalid (NaN or infinite) samples")
            }
            peak = max(peak, abs(sample))
        }
        if peak > 1 {
            // Divide, not multiply by 1 / peak: for a peak near Float.greatestFiniteMagnitude
            // that gain is subnormal and imprecise (a sample came out as 1.0000001); a
            // correctly rounded |x| / peak is never above 1.
            for index in samples.indices { samples[index] /= peak }
        }
        return DecodedAudio(
            audio: AudioBuffer(samples: samples, sampleRate: sampleRate), container: container,
            sourceChannels: sourceChannels, sourceSampleRate: sampleRate)
    }
}
