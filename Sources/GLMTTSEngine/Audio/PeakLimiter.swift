import Foundation

/// A look-ahead peak limiter: keeps every sample within ±`ceiling` with smooth gain changes.
///
/// The gain needed at each sample is min(1, ceiling/|x|). A sliding minimum over the next
/// `lookahead` samples followed by a moving average over the same length gives a gain
/// curve that ramps down before each peak and never exceeds what any sample needs; on the
/// way back up the gain recovers with a `release` time constant.
public enum PeakLimiter {
    /// `samples` limited to ±`ceiling` (linear, e.g. 0.891 for −1 dBFS).
    public static func limit(
        _ samples: [Float], sampleRate: Int, ceiling: Float,
        lookahead: Double = 0.005, release: Double = 0.08
    ) -> [Float] {
        guard !samples.isEmpty, ceiling > 0 else { return samples }
        let window = max(Int(lookahead * Double(sampleRate)), 1)
        let needed = samples.map { abs($0) > ceiling ? ceiling / abs($0) : 1 }
        guard needed.contains(where: { $0 < 1 }) else { return samples }

        // Sliding minimum over [i, i + window) with a monotonic deque.
        var minimum = [Float](repeating: 1, count: samples.count)
        var deque: [Int] = []
        var head = 0
        for index in stride(from: samples.count - 1, through: 0, by: -1) {
            while deque.count > head, needed[deque[deque.count - 1]] >= needed[index] { deque.removeLast() }
            deque.append(index)
            while deque[head] >= index + window { head += 1 }
            minimum[index] = needed[deque[head]]
        }
        // Moving average over [i − window + 1, i]: each term's window covers i, so ≤ needed[i].
        var smoothed = [Float](repeating: 1, count: samples.count)
        // Before the first sample, count the first window's minimum: every virtual window
        // would cover part of [0, window), so this is never more than any of them allows.
        var sum = minimum[0] * Float(window)
        var history = [Float](repeating: minimum[0], count: window)
        for index in samples.indices {
            sum += minimum[index] - history[index % window]
            history[index % window] = minimum[index]
            smoothed[index] = sum / Float(window)
        }
        // Fall with the smoothed curve; rise no faster than the release allows.
        let recovery = Float(1 - exp(-1 / (release * Double(sampleRate))))
        var gain: Float = 1
        var output = samples
        for index in samples.indices {
            let target = smoothed[index]
            gain = target < gain ? target : gain + (target - gain) * recovery
            output[index] = samples[index] * gain
        }
        return output
    }
}
