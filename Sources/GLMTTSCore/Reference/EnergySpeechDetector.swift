import Foundation

/// A simple energy-based speech detector, used only when no Silero VAD model is installed.
///
/// 30 ms frames louder than max(noise floor + 10 dB, −65 dBFS) count as speech, where the
/// noise floor is the 10th percentile of frame levels; gaps under 0.3 s are bridged and
/// segments under 0.2 s dropped. Cruder than Silero (noise bursts count as speech).
public enum EnergySpeechDetector {
    /// The speech segments of `audio`.
    public static func speechSegments(in audio: AudioBuffer) -> [SpeechSegment] {
        let levels = FrameLevels(audio)
        guard !levels.decibels.isEmpty else { return [] }
        let floor = levels.decibels.sorted()[levels.decibels.count / 10]
        let threshold = max(floor + 10, -65)
        var segments: [SpeechSegment] = []
        for (index, level) in levels.decibels.enumerated() where level > threshold {
            let start = Double(index) * levels.frameSeconds, end = start + levels.frameSeconds
            if let last = segments.last, start - last.end < 0.3 {
                segments[segments.count - 1].end = end
            } else {
                segments.append(SpeechSegment(start: start, end: end))
            }
        }
        return segments.filter { $0.duration >= 0.2 }
    }
}
