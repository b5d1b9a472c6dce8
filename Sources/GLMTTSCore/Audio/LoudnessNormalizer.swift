import Foundation

/// Brings audio to a target integrated loudness without letting peaks pass a ceiling.
public enum LoudnessNormalizer {
    /// `audio` scaled so its integrated loudness is `targetLUFS` (default −16, a common
    /// target for speech), then scaled down if needed so the sample peak stays at or below
    /// `peakCeilingDBFS` (default −1 dBFS). Audio too short to measure or silent is returned
    /// unchanged.
    public static func normalize(_ audio: AudioBuffer, targetLUFS: Double = -16, peakCeilingDBFS: Double = -1) -> AudioBuffer {
        let gain = gainDB(for: audio, targetLUFS: targetLUFS, peakCeilingDBFS: peakCeilingDBFS)
        guard gain != 0 else { return audio }
        let factor = Float(pow(10, gain / 20))
        return AudioBuffer(samples: audio.samples.map { $0 * factor }, sampleRate: audio.sampleRate)
    }

    /// The gain in dB that `normalize` applies (0 when it leaves the audio unchanged).
    public static func gainDB(for audio: AudioBuffer, targetLUFS: Double = -16, peakCeilingDBFS: Double = -1) -> Double {
        guard let loudness = LoudnessMeter.integratedLoudness(audio) else { return 0 }
        var gain = targetLUFS - loudness
        let peak = Double(LoudnessMeter.samplePeak(audio))
        if peak > 0 {
            let peakAfter = 20 * log10(peak) + gain
            if peakAfter > peakCeilingDBFS { gain -= peakAfter - peakCeilingDBFS }
        }
        return gain
    }
}
