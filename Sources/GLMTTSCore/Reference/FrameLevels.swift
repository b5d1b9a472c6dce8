import Foundation

/// RMS level of consecutive 30 ms frames, in dBFS (−120 for digital silence).
struct FrameLevels {
    let frameSeconds: Double
    let decibels: [Double]

    init(_ audio: AudioBuffer, frameSeconds: Double = 0.03) {
        self.frameSeconds = frameSeconds
        let frame = max(Int(frameSeconds * Double(audio.sampleRate)), 1)
        var levels: [Double] = []
        var start = 0
        while start + frame <= audio.samples.count {
            var sum: Double = 0
            for sample in audio.samples[start..<start + frame] { sum += Double(sample) * Double(sample) }
            levels.append(Decibels.from(meanSquare: sum / Double(frame)))
            start += frame
        }
        decibels = levels
    }
}
