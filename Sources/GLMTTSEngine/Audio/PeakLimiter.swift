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
        guard !samples.isEmpty, ceiling > 0, samples.contains(where: { abs($0) > ceiling }) else { return samples }
        let count = samples.count
        let window = max(Int(lookahead * Double(sampleRate)), 1)
        let recovery = Float(1 - exp(-1 / (release * Double(sampleRate))))
        var output = samples
        // The loops run on raw buffers: this is on every request's path (the whole signal).
        var needed = [Float](repeating: 1, count: count)
        var minimum = [Float](repeating: 1, count: count)
        var deque = [Int](repeating: 0, count: count)
        var history = [Float](repeating: 1, count: window)
        samples.withUnsafeBufferPointer { input in
            needed.withUnsafeMutableBufferPointer { needed in
                for index in 0..<count {
                    let magnitude = abs(input[index])
                    if magnitude > ceiling { needed[index] = ceiling / magnitude }
                }
                // Sliding minimum over [i, i + window) with a monotonic deque (indices, back to front).
                minimum.withUnsafeMutableBufferPointer { minimum in
                    deque.withUnsafeMutableBufferPointer { deque in
                        var head = 0
                        var tail = 0
                        for index in stride(from: count - 1, through: 0, by: -1) {
                            while tail > head, needed[deque[tail - 1]] >= needed[index] { tail -= 1 }
                            deque[tail] = index
                            tail += 1
                            while deque[head] >= index + window { head += 1 }
                            minimum[index] = needed[deque[head]]
                        }
                    }
                    // Moving average over [i − window + 1, i]: each term's window covers i, so ≤ needed[i].
                    // Before the first sample, count the first window's minimum: every virtual window
                    // would cover part of [0, window), so this is never more than any of them allows.
                    // Then fall with the smoothed curve; rise no faster than the release allows.
                    history.withUnsafeMutableBufferPointer { history in
                        for slot in 0..<window { history[slot] = minimum[0] }
                        var sum = minimum[0] * Float(window)
                        var gain: Float = 1
                        output.withUnsafeMutableBufferPointer { output in
                            for index in 0..<count {
                                let slot = index % window
                                sum += minimum[index] - history[slot]
                                history[slot] = minimum[index]
                                let target = sum / Float(window)
                                gain = target < gain ? target : gain + (target - gain) * recovery
                                output[index] = input[index] * gain
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
