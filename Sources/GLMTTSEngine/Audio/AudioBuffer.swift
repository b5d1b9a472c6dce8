/// Mono floating-point audio: samples nominally in [-1, 1] at `sampleRate` Hz.
///
/// Everything inside the project works on mono; decoders down-mix on the way in.
public struct AudioBuffer: Sendable, Equatable {
    /// The samples, mono, nominally within [-1, 1].
    public var samples: [Float]
    /// Samples per second.
    public var sampleRate: Int

    /// Creates a buffer from samples at a sample rate.
    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Length in seconds.
    public var duration: Double {
        sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0
    }

    /// Appends another buffer of the same sample rate.
    public mutating func append(_ other: AudioBuffer) {
        precondition(other.sampleRate == sampleRate || other.samples.isEmpty, "sample rates differ")
        samples.append(contentsOf: other.samples)
    }
}
