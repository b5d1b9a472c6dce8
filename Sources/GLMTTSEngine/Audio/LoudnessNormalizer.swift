import Foundation

/// Brings audio to a target integrated loudness with peaks held under a ceiling.
public enum LoudnessNormalizer {
    /// Largest gain ever applied, so near-silent audio is not blown up into noise.
    public static let maxGainDB = 30.0

    /// `audio` scaled so its integrated loudness is `targetLUFS` (default −16, a common
    /// target for speech); peaks that would pass `peakCeilingDBFS` (default −1 dBFS) are
    /// held down by `PeakLimiter`, and a second pass corrects the loudness the limiter took
    /// away (only when it held a peak down). Audio too short to measure, or silent, is returned unchanged.
    public static func normalize(_ audio: AudioBuffer, targetLUFS: Double = -16, peakCeilingDBFS: Double = -1) -> AudioBuffer {
        let ceiling = Float(pow(10, peakCeilingDBFS / 20))
        var current = audio
        for _ in 0..<2 {
            guard let loudness = LoudnessMeter.integratedLoudness(current) else { return current }
            let gain = min(targetLUFS - loudness, maxGainDB)
            guard abs(gain) > 0.05 else { break }
            let factor = Float(pow(10, gain / 20))
            let limited = PeakLimiter.limitReporting(current.samples, gain: factor, sampleRate: audio.sampleRate, ceiling: ceiling)
            current = AudioBuffer(samples: limited.samples, sampleRate: audio.sampleRate)
            // Nothing passed the ceiling: the limiter changed nothing, so the loudness is on
            // target and a second measurement would only confirm it.
            if !limited.limited { break }
        }
        return current
    }
}
