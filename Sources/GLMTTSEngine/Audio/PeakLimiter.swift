import Foundation

/// A look-ahead peak limiter: keeps every sample within ±`ceiling` with smooth gain changes.
///
/// The gain needed at each sample is min(1, ceiling/|x|). A sliding minimum over the next
/// `lookahead` samples followed by a moving average over the same length gives a gain
/// curve that ramps down before each peak and never exceeds what any sample needs; on the
/// way back up the gain recovers with a `release` time constant.
public enum PeakLimiter {
    /// `samples` multiplied by `gain`, then limited to ±`ceiling` (linear, e.g. 0.891 for −1 dBFS).
    public static func limit(
        _ samples: [Float], gain: Float = 1, sampleRate: Int, ceiling: Float,
        lookahead: Double = 0.005, release: Double = 0.08
    ) -> [Float] {
        limitReporting(samples, gain: gain, sampleRate: sampleRate, ceiling: ceiling, lookahead: lookahead, release: release).samples
    }

    /// `limit`'s result, and whether any sample (after the gain) passed the ceiling — when
    /// none did, the result is just the scaled input. The gain is applied on the fly: no
    /// scaled copy of the signal is made first.
    public static func limitReporting(
        _ samples: [Float], gain scale: Float = 1, sampleRate: Int, ceiling: Float,
        lookahead: Double = 0.005, release: Double = 0.08
    ) -> (samples: [Float], limited: Bool) {
        guard !samples.isEmpty, ceiling > 0, samples.contains(where: { abs($0 * scale) > ceiling }) else {
            return (scale == 1 ? samples : samples.map { $0 * scale }, false)
        }
        let count = samples.count
        let window = max(Int(lookahead * Double(sampleRate)), 1)
        let recovery = Float(1 - exp(-1 / (release * Double(sampleRate))))
        var output = samples
        // One forward pass, no signal-sized scratch: this runs on every request's whole result.
        // The sliding minimum over [i, i + window) only ever involves samples over the ceiling
        // (elsewhere the gain needed is 1), so its monotonic deque holds just those.
        var peakIndex: [Int] = []
        var peakNeeded: [Float] = []
        var head = 0
        var next = 0  // the next sample to enter the look-ahead
        var history = [Float](repeating: 1, count: window)
        samples.withUnsafeBufferPointer { input in
            // Admits samples up to `last` into the deque and returns the least gain needed in
            // [index, index + window).
            func least(at index: Int) -> Float {
                let last = min(index + window - 1, count - 1)
                while next <= last {
                    let magnitude = abs(input[next] * scale)
                    if magnitude > ceiling {
                        let needed = ceiling / magnitude
                        while peakNeeded.count > head, peakNeeded[peakNeeded.count - 1] >= needed {
                            peakNeeded.removeLast()
                            peakIndex.removeLast()
                        }
                        peakIndex.append(next)
                        peakNeeded.append(needed)
                    }
                    next += 1
                }
                while peakIndex.count > head, peakIndex[head] < index { head += 1 }
                return peakNeeded.count > head ? peakNeeded[head] : 1
            }
            // Moving average over [i − window + 1, i]: each term's window covers i, so ≤ needed[i].
            // Before the first sample, count the first window's minimum: every virtual window
            // would cover part of [0, window), so this is never more than any of them allows.
            // Then fall with the smoothed curve; rise no faster than the release allows.
            let first = least(at: 0)
            history.withUnsafeMutableBufferPointer { history in
                for slot in 0..<window { history[slot] = first }
                var sum = first * Float(window)
                var gain: Float = 1
                var slot = 0
                output.withUnsafeMutableBufferPointer { output in
                    for index in 0..<count {
                        let minimum = least(at: index)
                        sum += minimum - history[slot]
                        history[slot] = minimum
                        slot += 1
                        if slot == window { slot = 0 }
                        let target = sum / Float(window)
                        gain = target < gain ? target : gain + (target - gain) * recovery
                        output[index] = input[index] * scale * gain
                    }
                }
            }
        }
        return (output, true)
    }
}
