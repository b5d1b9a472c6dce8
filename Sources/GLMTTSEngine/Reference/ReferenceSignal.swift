import Foundation

/// Measurements of one clip and its speech segments, shared by the window choice and the
/// quality report.
///
/// - Clipping: a sample counts as clipped when it lies in a run of at least
///   `ReferencePreparer.clippedRunLength` consecutive samples with |x| ≥
///   `ReferencePreparer.clipLevel`. A lone full-scale sample is what peak normalisation
///   produces and is not distortion; a flat run at the rail is.
/// - Speech level: mean square over the samples inside the speech segments (the whole clip
///   when there is no speech).
/// - Noise level: the mean square of the 30 ms frames that lie at least
///   `ReferencePreparer.noiseGuard` seconds away from every speech segment (so breath and
///   the tails of words do not count as noise). When fewer than
///   `ReferencePreparer.minimumNoiseFrames` such frames exist (speech fills the clip), the
///   quietest 10 % of all frames stand in for the noise.
struct ReferenceSignal {
    /// The clip.
    let audio: AudioBuffer
    /// Speech segments, sorted, in seconds.
    let segments: [SpeechSegment]
    /// Sample ranges of each segment (same order as `segments`).
    let segmentRanges: [Range<Int>]
    /// Sum of squares of each segment's samples.
    let segmentSumSquares: [Double]
    /// Clipped samples inside each segment.
    let segmentClipped: [Int]
    /// Ranges of clipped runs, sorted.
    let clippedRuns: [Range<Int>]
    /// Clipped samples in the whole clip.
    let clippedSamples: Int
    /// Largest |sample|.
    let peak: Float
    /// Mean square of the speech (or of the whole clip without speech).
    let speechMeanSquare: Double
    /// Estimated mean square of the noise; nil when the clip is shorter than one frame.
    let noiseMeanSquare: Double?

    init(audio: AudioBuffer, segments: [SpeechSegment]) {
        self.audio = audio
        self.segments = segments
        let samples = audio.samples
        let rate = Double(audio.sampleRate)
        let ranges = segments.map { segment -> Range<Int> in
            let lower = min(max(Int((segment.start * rate).rounded()), 0), samples.count)
            let upper = min(max(Int((segment.end * rate).rounded()), lower), samples.count)
            return lower..<upper
        }
        segmentRanges = ranges
        let runs = Self.clippedRuns(in: samples)
        clippedRuns = runs
        clippedSamples = runs.reduce(0) { $0 + $1.count }
        peak = samples.reduce(Float(0)) { max($0, abs($1)) }
        segmentSumSquares = ranges.map { Self.sumOfSquares(samples, $0) }
        segmentClipped = ranges.map { Self.overlap(of: runs, with: $0) }

        let speechSamples = ranges.reduce(0) { $0 + $1.count }
        speechMeanSquare =
            speechSamples > 0
            ? segmentSumSquares.reduce(0, +) / Double(speechSamples)
            : Self.sumOfSquares(samples, 0..<samples.count) / Double(max(samples.count, 1))
        noiseMeanSquare = Self.noise(FrameLevels(audio), segments: segments)
    }

    /// Seconds of speech in all segments.
    var speechSeconds: Double { segments.reduce(0) { $0 + $1.duration } }

    /// Estimated SNR in dB of speech at `meanSquare` over the noise; nil without speech or
    /// a noise estimate. Capped at `ReferencePreparer.maximumSNR` (digital silence between
    /// words would otherwise give "infinite" SNR).
    func snr(speechMeanSquare meanSquare: Double) -> Double? {
        guard !segments.isEmpty, let noise = noiseMeanSquare else { return nil }
        let value = Decibels.from(meanSquare: meanSquare) - Decibels.from(meanSquare: noise)
        return min(value, ReferencePreparer.maximumSNR)
    }

    /// Sum of squares and clipped samples in `range` (any range, not only segments).
    func measure(_ range: Range<Int>) -> (sumSquares: Double, clipped: Int) {
        (Self.sumOfSquares(audio.samples, range), Self.overlap(of: clippedRuns, with: range))
    }

    // MARK: - Helpers

    private static func sumOfSquares(_ samples: [Float], _ range: Range<Int>) -> Double {
        samples.withUnsafeBufferPointer { buffer in
            var sum: Double = 0
            for index in range { sum += Double(buffer[index]) * Double(buffer[index]) }
            return sum
        }
    }

    /// Runs of at least `clippedRunLength` samples at or beyond `clipLevel`.
    private static func clippedRuns(in samples: [Float]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var runStart: Int?
        for (index, sample) in samples.enumerated() {
            if abs(sample) >= ReferencePreparer.clipLevel {
                if runStart == nil { runStart = index }
            } else if let start = runStart {
                if index - start >= ReferencePreparer.clippedRunLength { runs.append(start..<index) }
                runStart = nil
            }
        }
        if let start = runStart, samples.count - start >= ReferencePreparer.clippedRunLength {
            runs.append(start..<samples.count)
        }
        return runs
    }

    /// Samples of the sorted `runs` that fall inside `range`.
    private static func overlap(of runs: [Range<Int>], with range: Range<Int>) -> Int {
        guard !range.isEmpty else { return 0 }
        // First run that ends after range.lowerBound (binary search; runs are sorted).
        var low = 0
        var high = runs.count
        while low < high {
            let mid = (low + high) / 2
            if runs[mid].upperBound <= range.lowerBound { low = mid + 1 } else { high = mid }
        }
        var count = 0
        var index = low
        while index < runs.count, runs[index].lowerBound < range.upperBound {
            count += runs[index].clamped(to: range).count
            index += 1
        }
        return count
    }

    private static func noise(_ levels: FrameLevels, segments: [SpeechSegment]) -> Double? {
        guard !levels.meanSquares.isEmpty else { return nil }
        // Mark every frame that overlaps a segment widened by the guard band.
        let guardBand = ReferencePreparer.noiseGuard
        var nearSpeech = [Bool](repeating: false, count: levels.meanSquares.count)
        for segment in segments {
            let first = max(Int(((segment.start - guardBand) / levels.frameSeconds).rounded(.down)), 0)
            let last = min(Int(((segment.end + guardBand) / levels.frameSeconds).rounded(.up)), nearSpeech.count)
            if first < last { for index in first..<last { nearSpeech[index] = true } }
        }
        var pauses: [Double] = []
        for (index, meanSquare) in levels.meanSquares.enumerated() where !nearSpeech[index] { pauses.append(meanSquare) }
        if pauses.count < ReferencePreparer.minimumNoiseFrames {
            let sorted = levels.meanSquares.sorted()
            pauses = Array(sorted.prefix(max(sorted.count / 10, 1)))
        }
        // The median, not the mean: a stretch of speech the detector missed (counted as a
        // pause) would otherwise dominate the estimate and report a clean clip as noisy.
        let sorted = pauses.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
