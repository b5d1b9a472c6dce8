import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// `SpeechBoundaryRefiner` on synthetic signals whose sound boundaries are known exactly.
@Suite struct ReferenceBoundaryRefinerTests {
    static let rate = 16_000

    /// `duration` seconds with a 300 Hz tone (amplitude 0.3) in each of `tones`, over
    /// optional steady white noise.
    static func audio(_ duration: Double, tones: [ClosedRange<Double>], noise: Float = 0) -> AudioBuffer {
        var generator = SplitMix64(seed: 99)
        var samples = (0..<Int(duration * Double(rate))).map { _ in noise == 0 ? 0 : Float.random(in: -noise...noise, using: &generator) }
        for tone in tones {
            for n in Int(tone.lowerBound * Double(rate))..<Int(tone.upperBound * Double(rate)) {
                samples[n] += Float(0.3 * sin(2 * Double.pi * 300 * Double(n) / Double(rate)))
            }
        }
        return AudioBuffer(samples: samples, sampleRate: rate)
    }

    static func span(_ start: Double, _ end: Double) -> SpeechSegment { SpeechSegment(start: start, end: end) }

    static func close(_ a: [SpeechSegment], _ b: [SpeechSegment], within tolerance: Double = 0.011) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0.start - $1.start) <= tolerance && abs($0.end - $1.end) <= tolerance }
    }

    @Test func widensToTheSound() {
        let refined = SpeechBoundaryRefiner.refine([Self.span(1.3, 2.9)], in: Self.audio(4, tones: [1.0...3.2]))
        #expect(Self.close(refined, [Self.span(1.0, 3.2)]), "\(refined)")
    }

    @Test func steadyNoiseIsNotSound() {
        let refined = SpeechBoundaryRefiner.refine([Self.span(1.0, 3.0)], in: Self.audio(4, tones: [1.0...3.0], noise: 0.05))
        #expect(Self.close(refined, [Self.span(1.0, 3.0)]), "\(refined)")
    }

    @Test func movesAtMostTheMaximumExtension() {
        let refined = SpeechBoundaryRefiner.refine([Self.span(2, 3)], in: Self.audio(8, tones: [0.1...4.9]))
        #expect(Self.close(refined, [Self.span(1.5, 3.5)]), "\(refined)")
    }

    @Test func stopsAtAGapLongerThanAPause() {
        let refined = SpeechBoundaryRefiner.refine([Self.span(1.2, 3)], in: Self.audio(4, tones: [0.5...0.9, 1.0...3.0]))
        #expect(Self.close(refined, [Self.span(1.0, 3.0)]), "\(refined)")
    }

    @Test func mergesSegmentsThatComeToTouch() {
        let refined = SpeechBoundaryRefiner.refine([Self.span(1, 1.8), Self.span(2.3, 3)], in: Self.audio(4, tones: [1.0...3.0]))
        #expect(Self.close(refined, [Self.span(1, 3)]), "\(refined)")
    }

    @Test func keepsSegmentsSeparatedBySilence() {
        let segments = [Self.span(1, 2), Self.span(2.5, 3.5)]
        let refined = SpeechBoundaryRefiner.refine(segments, in: Self.audio(4, tones: [1.0...2.0, 2.5...3.5]))
        #expect(Self.close(refined, segments), "\(refined)")
    }

    @Test func degenerateInputs() {
        #expect(SpeechBoundaryRefiner.refine([], in: Self.audio(1, tones: [])).isEmpty)
        let tiny = AudioBuffer(samples: [0.5], sampleRate: Self.rate)
        #expect(SpeechBoundaryRefiner.refine([Self.span(0, 1.0 / Double(Self.rate))], in: tiny).count == 1)
        // Segments reaching the clip's ends stay inside it.
        let tone = Self.audio(2, tones: [0.0...2.0])
        let padded = AudioBuffer(samples: tone.samples + [Float](repeating: 0, count: Self.rate), sampleRate: Self.rate)
        let refined = SpeechBoundaryRefiner.refine([Self.span(0.2, 1.9)], in: padded)
        #expect(Self.close(refined, [Self.span(0, 2)]), "\(refined)")
        // Sound that fills the whole clip is its own floor: nothing moves (conservative).
        #expect(SpeechBoundaryRefiner.refine([Self.span(0.5, 1.5)], in: tone) == [Self.span(0.5, 1.5)])
    }
}
