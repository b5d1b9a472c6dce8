import Foundation

/// Loudness measurement per ITU-R BS.1770-4 / EBU R128 for mono audio.
///
/// K-weighting (a high-shelf pre-filter and a high-pass "RLB" filter, with coefficients
/// derived for the actual sample rate), 400 ms blocks with 75 % overlap, an absolute gate
/// at −70 LUFS and a relative gate 10 LU below the absolutely gated loudness.
public enum LoudnessMeter {
    /// Integrated loudness in LUFS, or nil when the audio is shorter than one 400 ms block
    /// or entirely below the absolute gate (silence).
    public static func integratedLoudness(_ audio: AudioBuffer) -> Double? {
        let rate = Double(audio.sampleRate)
        let blockLength = Int(0.4 * rate)
        let hop = Int(0.1 * rate)
        guard rate > 0, blockLength > 0, hop > 0, audio.samples.count >= blockLength else { return nil }
        let prefix = weightedEnergyPrefix(audio.samples, sampleRate: rate)

        // Mean square of every 400 ms block, stepping 100 ms (prefix sums keep it linear).
        var blocks: [Double] = []
        blocks.reserveCapacity((audio.samples.count - blockLength) / hop + 1)
        var start = 0
        while start + blockLength <= audio.samples.count {
            blocks.append((prefix[start + blockLength] - prefix[start]) / Double(blockLength))
            start += hop
        }
        func loudness(_ meanSquare: Double) -> Double { -0.691 + 10 * log10(meanSquare) }

        let absolute = blocks.filter { $0 > 0 && loudness($0) > -70 }
        guard !absolute.isEmpty else { return nil }
        let relativeGate = loudness(absolute.reduce(0, +) / Double(absolute.count)) - 10
        let gated = absolute.filter { loudness($0) > relativeGate }
        guard !gated.isEmpty else { return nil }
        return loudness(gated.reduce(0, +) / Double(gated.count))
    }

    /// Largest absolute sample value (linear).
    public static func samplePeak(_ audio: AudioBuffer) -> Float {
        audio.samples.reduce(0) { max($0, abs($1)) }
    }

    /// Running sums of the K-weighted signal's energy: element i is the sum of the squares of
    /// the first i weighted samples. Both filter stages and the squaring run in one pass over
    /// the samples, with no intermediate signal kept (this is on every request's path).
    static func weightedEnergyPrefix(_ samples: [Float], sampleRate: Double) -> [Double] {
        let (shelf, highPass) = kWeightingFilters(sampleRate: sampleRate)
        var prefix = [Double](repeating: 0, count: samples.count + 1)
        var first = Biquad.State()
        var second = Biquad.State()
        var total = 0.0
        samples.withUnsafeBufferPointer { input in
            prefix.withUnsafeMutableBufferPointer { sums in
                for index in 0..<input.count {
                    let weighted = highPass.step(shelf.step(Double(input[index]), &first), &second)
                    total += weighted * weighted
                    sums[index + 1] = total
                }
            }
        }
        return prefix
    }

    /// The two K-weighting biquads for `sampleRate`, from the analogue prototypes of
    /// BS.1770 (at 48 kHz they reproduce the coefficients tabulated in the standard).
    static func kWeightingFilters(sampleRate: Double) -> (shelf: Biquad, highPass: Biquad) {
        // Stage 1: high shelf (+4 dB above ~1.7 kHz).
        var k = tan(Double.pi * 1681.974450955533 / sampleRate)
        var q = 0.7071752369554196
        let gainHigh = pow(10, 3.999843853973347 / 20)
        let gainBand = pow(gainHigh, 0.4996667741545416)
        var a0 = 1 + k / q + k * k
        let shelf = Biquad(
            b0: (gainHigh + gainBand * k / q + k * k) / a0, b1: 2 * (k * k - gainHigh) / a0,
            b2: (gainHigh - gainBand * k / q + k * k) / a0,
            a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
        // Stage 2: high-pass at ~38 Hz.
        k = tan(Double.pi * 38.13547087602444 / sampleRate)
        q = 0.5003270373238773
        a0 = 1 + k / q + k * k
        let highPass = Biquad(b0: 1, b1: -2, b2: 1, a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
        return (shelf, highPass)
    }

    /// A direct-form-I biquad section.
    struct Biquad {
        var b0, b1, b2, a1, a2: Double

        /// The section's memory of the last two inputs and outputs.
        struct State {
            var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0
        }

        /// One sample through the section.
        @inline(__always) func step(_ x: Double, _ state: inout State) -> Double {
            // Everything but the last output first, so each sample waits on one multiply-add.
            let partial = b0 * x + b1 * state.x1 + b2 * state.x2 - a2 * state.y2
            let y = partial - a1 * state.y1
            state.x2 = state.x1
            state.x1 = x
            state.y2 = state.y1
            state.y1 = y
            return y
        }
    }
}
