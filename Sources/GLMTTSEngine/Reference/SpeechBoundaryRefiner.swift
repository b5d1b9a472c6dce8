import Foundation

/// Widens detected speech segments to where the sound actually starts and stops.
///
/// Silero reports a segment only once it is confident, and sherpa-onnx's look-back does not
/// always reach the first consonant: on real speech the reported start can lag the first
/// sound by a quarter of a second or more, which would cut the first syllable off the
/// reference and count it as "noise" in the SNR estimate.
///
/// Method: 10 ms frames; a frame is *sound* when it is louder than max(noise floor +
/// `marginOverFloor`, `absoluteThreshold`), the floor being the 10th percentile of frame
/// levels. Each segment's start moves back (and its end forward) to the furthest sound frame
/// reachable through gaps of at most `maxGap` seconds of quieter frames, by at most
/// `maxExtension` seconds, and never into the neighbouring segment. Segments that come to
/// touch are merged. Steady noise is below the threshold, so in a noisy clip segments barely
/// move; and when pauses make up less than a tenth of the clip the floor is the speech
/// itself, so nothing moves (conservative, never worse than the detector).
enum SpeechBoundaryRefiner {
    /// Frame length in seconds.
    static let frameSeconds = 0.01
    /// Sound must be this far above the noise floor, in dB.
    static let marginOverFloor = 12.0
    /// Sound must be louder than this, in dBFS, however low the floor (digital silence).
    static let absoluteThreshold = -75.0
    /// Quiet stretches up to this long (seconds) inside a word are crossed.
    static let maxGap = 0.03
    /// A boundary moves by at most this much (seconds).
    static let maxExtension = 0.5

    /// `segments` (sorted) widened to the sound around them, sorted and non-overlapping.
    static func refine(_ segments: [SpeechSegment], in audio: AudioBuffer) -> [SpeechSegment] {
        guard !segments.isEmpty else { return [] }
        let levels = FrameLevels(audio, frameSeconds: frameSeconds)
        let decibels = levels.decibels
        guard !decibels.isEmpty else { return segments }
        let floor = decibels.sorted()[decibels.count / 10]
        let threshold = max(floor + marginOverFloor, absoluteThreshold)
        let step = levels.frameSeconds
        let maxGapFrames = Int((maxGap / step).rounded())
        let lastFrame = decibels.count - 1

        var refined: [SpeechSegment] = []
        for (index, segment) in segments.enumerated() {
            var result = segment
            // Backwards from the segment's first frame.
            let previousEnd = refined.last?.end ?? 0
            let lowest = max(0, Int((max(previousEnd, segment.start - maxExtension) / step).rounded(.up)))
            var frame = min(Int(segment.start / step), lastFrame + 1)
            var gap = 0
            var k = frame - 1
            while k >= lowest {
                if decibels[k] > threshold {
                    frame = k
                    gap = 0
                } else {
                    gap += 1
                    if gap > maxGapFrames { break }
                }
                k -= 1
            }
            result.start = min(segment.start, Double(frame) * step)

            // Forwards from the segment's last frame.
            let nextStart = index + 1 < segments.count ? segments[index + 1].start : audio.duration
            let highest = min(lastFrame, Int((min(nextStart, segment.end + maxExtension) / step).rounded(.down)) - 1)
            var endFrame = max(Int((segment.end / step).rounded(.up)) - 1, -1)
            gap = 0
            k = endFrame + 1
            while k <= highest {
                if decibels[k] > threshold {
                    endFrame = k
                    gap = 0
                } else {
                    gap += 1
                    if gap > maxGapFrames { break }
                }
                k += 1
            }
            result.end = min(max(segment.end, Double(endFrame + 1) * step), audio.duration)

            if let last = refined.last, result.start <= last.end {
                refined[refined.count - 1].end = max(last.end, result.end)
            } else {
                refined.append(result)
            }
        }
        return refined
    }
}
