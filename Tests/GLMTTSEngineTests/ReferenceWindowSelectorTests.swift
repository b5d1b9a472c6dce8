import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The window choice and its scoring, on synthetic signals with known segments (so every
/// expected boundary is exact).
@Suite struct ReferenceWindowSelectorTests {
    static let rate = 8000

    /// `duration` seconds of silence with a 200 Hz tone in each segment; `clipped` segments
    /// are a full-scale square wave (flat runs at the rail).
    static func signal(
        _ duration: Double, _ segments: [SpeechSegment], clipped: Set<Int> = [],
        noise: Float = 0
    ) -> ReferenceSignal {
        var generator = SplitMix64(seed: 42)
        var samples = (0..<Int(duration * Double(rate))).map { _ in noise == 0 ? 0 : Float.random(in: -noise...noise, using: &generator) }
        for (index, segment) in segments.enumerated() {
            for n in Int(segment.start * Double(rate))..<min(Int(segment.end * Double(rate)), samples.count) {
                let phase = sin(2 * Double.pi * 200 * Double(n) / Double(rate))
                samples[n] += clipped.contains(index) ? (phase >= 0 ? 1 : -1) : Float(0.3 * phase)
            }
        }
        return ReferenceSignal(audio: AudioBuffer(samples: samples, sampleRate: rate), segments: segments)
    }

    static func span(_ start: Double, _ end: Double) -> SpeechSegment { SpeechSegment(start: start, end: end) }

    static func near(_ a: SpeechSegment, _ b: SpeechSegment) -> Bool {
        abs(a.start - b.start) < 1e-9 && abs(a.end - b.end) < 1e-9
    }

    @Test func noSpeechNoWindow() {
        #expect(ReferenceWindowSelector.choose(Self.signal(5, [])) == nil)
    }

    @Test func shortSpeechKeepsItsSpanWithPadding() throws {
        let choice = try #require(ReferenceWindowSelector.choose(Self.signal(10, [Self.span(0.05, 2), Self.span(3, 6)])))
        #expect(Self.near(choice.window, Self.span(0, 6.15)), "\(choice.window)")
        #expect(abs(choice.speechSeconds - 4.95) < 1e-9)
        #expect(!choice.isPartial)
    }

    @Test func longSpeechGetsAWindowOnBoundariesWithClampedPadding() throws {
        let segments = [Self.span(0.5, 4.5), Self.span(4.6, 8.6), Self.span(8.7, 12.7), Self.span(12.8, 16.8)]
        let choice = try #require(ReferenceWindowSelector.choose(Self.signal(17.5, segments)))
        // Two windows hold 12 s of speech; the earlier wins. The pause to the left-out
        // segment is 0.1 s, so only 0.05 s of padding is kept on that side.
        #expect(Self.near(choice.window, Self.span(0.35, 12.75)), "\(choice.window)")
        #expect(abs(choice.speechSeconds - 12) < 1e-9)
        #expect(choice.isPartial)
    }

    @Test func clippedSegmentsCountAgainstAWindow() throws {
        let segments = [Self.span(0.5, 4.5), Self.span(4.6, 8.6), Self.span(8.7, 12.7), Self.span(12.8, 16.8)]
        let choice = try #require(ReferenceWindowSelector.choose(Self.signal(17.5, segments, clipped: [0])))
        #expect(Self.near(choice.window, Self.span(4.55, 16.95)), "\(choice.window)")
    }

    @Test func quieterSpeechOverNoiseCountsAgainstAWindow() throws {
        // Same noise everywhere; the first stretch is spoken 20 dB quieter.
        let segments = [Self.span(0.5, 4.5), Self.span(4.6, 8.6), Self.span(8.7, 12.7), Self.span(12.8, 16.8)]
        var signal = Self.signal(17.5, segments, noise: 0.01)
        var samples = signal.audio.samples
        for n in Int(0.5 * Double(Self.rate))..<Int(4.5 * Double(Self.rate)) { samples[n] *= 0.1 }
        signal = ReferenceSignal(audio: AudioBuffer(samples: samples, sampleRate: Self.rate), segments: segments)
        let choice = try #require(ReferenceWindowSelector.choose(signal))
        #expect(choice.window.start > 4.5, "\(choice.window)")
    }

    @Test func overlongSegmentIsCutAtTheWindowLength() throws {
        let segments = [Self.span(1, 19), Self.span(19.5, 20.5)]
        let choice = try #require(ReferenceWindowSelector.choose(Self.signal(21, segments)))
        #expect(Self.near(choice.window, Self.span(0.85, 16)), "\(choice.window)")
        #expect(abs(choice.speechSeconds - ReferencePreparer.maxWindow) < 1e-9)
    }

    @Test func windowsOfThreeSecondsBeatShorterOnes() throws {
        // A clean 1.5 s stretch scores more than a clipped 4 s one, but 1.5 s cannot clone.
        let segments = [Self.span(0.5, 2), Self.span(17, 21)]
        let choice = try #require(ReferenceWindowSelector.choose(Self.signal(22, segments, clipped: [1])))
        #expect(Self.near(choice.window, Self.span(16.85, 21.15)), "\(choice.window)")
    }

    @Test func scoreFollowsTheDocumentedFormula() {
        let signal = Self.signal(20, [Self.span(1, 5)])
        // Digital silence between segments: SNR is capped, so only clipping matters.
        #expect(ReferenceWindowSelector.score(signal, seconds: 4, sumSquares: 0.045 * 32000, samples: 32000, clipped: 0) == 4)
        let halved = ReferenceWindowSelector.score(signal, seconds: 4, sumSquares: 0.045 * 32000, samples: 32000, clipped: 320)
        #expect(abs(halved - 2) < 1e-9)
        #expect(ReferenceWindowSelector.score(signal, seconds: 0, sumSquares: 0, samples: 0, clipped: 0) == 0)
    }

    @Test func clippingNeedsARunAtTheRail() {
        var samples = [Float](repeating: 0.5, count: 100)
        samples[10] = 1  // lone peak: not clipped
        samples[20] = 1
        samples[21] = -1  // two samples: not a run
        for n in 40..<45 { samples[n] = 1 }  // run of 5: clipped
        for n in 97..<100 { samples[n] = -0.9995 }  // run of 3 at the end: clipped
        let signal = ReferenceSignal(audio: AudioBuffer(samples: samples, sampleRate: Self.rate), segments: [])
        #expect(signal.clippedRuns == [40..<45, 97..<100])
        #expect(signal.clippedSamples == 8)
        #expect(signal.measure(42..<98).clipped == 4)
    }
}
