import GLMTTSEngine

/// Timings of one benchmark case.
public struct BenchmarkResult: Sendable, Codable {
    /// What was measured ("engine, long (20 sentences)").
    public var name: String
    /// Seconds of audio produced per run.
    public var audioSeconds: Double
    /// Wall seconds of each measured run.
    public var runSeconds: [Double]
    /// Peak resident memory of the process after the case, in bytes.
    public var peakMemoryBytes: Int

    public init(name: String, audioSeconds: Double, runSeconds: [Double], peakMemoryBytes: Int) {
        self.name = name
        self.audioSeconds = audioSeconds
        self.runSeconds = runSeconds
        self.peakMemoryBytes = peakMemoryBytes
    }

    /// Median run time.
    public var medianSeconds: Double {
        let sorted = runSeconds.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Fastest run time.
    public var minSeconds: Double { runSeconds.min() ?? 0 }

    /// Real-time factor at the median: wall time ÷ audio duration.
    public var realTimeFactor: Double { audioSeconds > 0 ? medianSeconds / audioSeconds : 0 }
}
