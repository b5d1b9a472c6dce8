import Foundation

/// A simple energy-based speech detector, used only when no Silero VAD model is available.
///
/// Method: 30 ms frames louder than max(noise floor + 10 dB, −65 dBFS) count as speech,
/// where the noise floor is the 10th percentile of frame levels; gaps shorter than 0.3 s are
/// bridged and segments shorter than 0.2 s dropped. It is cruder than Silero: steady noise
/// is handled by the floor, but bursts of noise, music or breathing count as speech, and
/// speech quieter than −65 dBFS is missed.
public enum EnergySpeechDetector {
    /// Frames must be this far above the noise floor, in dB.
    public static let marginOverFloor = 10.0
    /// Frames must be louder than this, in dBFS, whatever the floor.
    public static let absoluteThreshold = -65.0
    /// Pauses shorter than this, in seconds, do not split a segment.
    public static let bridgedGap = 0.3
    /// Segments shorter than this, in seconds, are dropped.
    public static let minimumSegment = 0.2

    /// The speech segments of `audio`, sorted, in seconds. Empty when the audio is shorter
    /// than one frame or has no frame above the threshold.
    public static func speechSegments(in audio: AudioBuffer) -> [SpeechSegment] {
        let levels = FrameLevels(audio)
        let decibels = levels.decibels
        guard !decibels.isEmpty else { return [] }
        let floor = decibels.sorted()[decibels.count / 10]
        let threshold = max(floor + marginOverFloor, absoluteThreshold)
        var segments: [SpeechSegment] = []
        for (index, level) in decibels.enumerated() where level > threshold {
            let frame = levels.span(of: index)
            if let last = segments.last, frame.start - last.end < bridgedGap {
                segments[segments.count - 1].end = frame.end
            } else {
                segments.append(frame)
            }
        }
        return segments.filter { $0.duration >= minimumSegment }
    }
}
