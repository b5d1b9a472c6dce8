@testable import GLMTTSEngine

/// Everything a synthesis stream yielded, for assertions.
public struct CollectedSynthesis: Sendable {
    public var chunks: [AudioBuffer] = []
    public var progress: [SynthesisProgress] = []
    public var summary: SynthesisSummary?

    /// All chunks joined.
    public var audio: AudioBuffer {
        var joined = AudioBuffer(samples: [], sampleRate: chunks.first?.sampleRate ?? 0)
        for chunk in chunks { joined.append(chunk) }
        return joined
    }

    /// Runs `request` on `engine` to the end.
    public static func run(_ engine: any SpeechSynthesizer, _ request: SynthesisRequest) async throws -> CollectedSynthesis {
        var collected = CollectedSynthesis()
        for try await event in engine.synthesize(request) {
            switch event {
            case let .chunk(_, audio, _): collected.chunks.append(audio)
            case let .progress(step): collected.progress.append(step)
            case let .finished(summary): collected.summary = summary
            }
        }
        return collected
    }
}

extension AudioBuffer {
    /// Root-mean-square level.
    public var rms: Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
    }
}
