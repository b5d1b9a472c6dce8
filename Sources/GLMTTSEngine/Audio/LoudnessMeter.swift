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
        let blocks = blockMeanSquares(audio.samples, sampleRate: rate, blockLength: blockLength, hop: hop)
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

    /// The mean square of the K-weighted signal over every block of `blockLength` samples
    /// starting at a multiple of `hop`. Both filter stages and the squaring run in one pass;
    /// the running energy is kept only where a block starts or ends (every `hop` samples, and
    /// `blockLength mod hop` after each of those), not for every sample: no signal-sized
    /// array is written (this is on every request's path, over the whole result).
    static func blockMeanSquares(_ samples: [Float], sampleRate: Double, blockLength: Int, hop: Int) -> [Double] {
        let (shelf, highPass) = kWeightingFilters(sampleRate: sampleRate)
        let offset = blockLength % hop
        let marks = samples.count / hop + 1
        // atHop[j]: energy of the first j·hop samples; atOffset[j]: of the first j·hop + offset.
        var atHop = [Double](repeating: 0, count: marks)
        var atOffset = [Double](repeating: 0, count: marks)
        var first = Biquad.State()
        var second = Biquad.State()
        var total = 0.0
        samples.withUnsafeBufferPointer { input in
            var mark = 0
            var start = 0
            while start < input.count {
                // Energy up to the offset inside this hop, then up to the hop's end.
                let middle = min(start + offset, input.count)
                let end = min(start + hop, input.count)
                for index in start..<middle {
                    let weighted = highPass.step(shelf.step(Double(input[index]), &first), &second)
                    total += weighted * weighted
                }
                if middle - start == offset { atOffset[mark] = total }
                for index in middle..<end {
                    let weighted = highPass.step(shelf.step(Double(input[index]), &first), &second)
                    total += weighted * weighted
                }
                if end - start == hop { atHop[mark + 1] = total }
                mark += 1
                start = end
            }
        }
        var blocks: [Double] = []
        blocks.reserveCapacity(max(0, (samples.count - blockLength) / hop + 1))
        var block = 0
        while block * hop + blockLength <= samples.count {
            let endMark = block + blockLength / hop
            let ending = offset == 0 ? atHop[endMark] : atOffset[endMark]
            blocks.append((ending - atHop[block]) / Double(blockLength))
            block += 1
        }
        return blocks
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
