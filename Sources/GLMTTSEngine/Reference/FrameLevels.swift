import Foundation

/// Mean-square level of consecutive, non-overlapping frames (30 ms by default); a trailing
/// partial frame is left out.
struct FrameLevels {
    /// Frame length in seconds.
    let frameSeconds: Double
    /// Frame length in samples.
    let frameLength: Int
    /// Mean square of each frame (power, 1.0 = full-scale square wave).
    let meanSquares: [Double]

    init(_ audio: AudioBuffer, frameSeconds: Double = 0.03) {
        self.frameSeconds = frameSeconds
        let frame = max(Int(frameSeconds * Double(max(audio.sampleRate, 1))), 1)
        frameLength = frame
        var levels: [Double] = []
        levels.reserveCapacity(audio.samples.count / frame)
        audio.samples.withUnsafeBufferPointer { samples in
            var start = 0
            while start + frame <= samples.count {
                var sum: Double = 0
                for index in start..<start + frame { sum += Double(samples[index]) * Double(samples[index]) }
                levels.append(sum / Double(frame))
                start += frame
            }
        }
        meanSquares = levels
    }

    /// Each frame's level in dBFS (−120 for digital silence).
    var decibels: [Double] { meanSquares.map(Decibels.from(meanSquare:)) }

    /// Start and end of frame `index`, in seconds.
    func span(of index: Int) -> SpeechSegment {
        SpeechSegment(start: Double(index) * frameSeconds, end: Double(index + 1) * frameSeconds)
    }
}
