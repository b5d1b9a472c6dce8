import Foundation
import Testing
@testable import GLMTTSCore

@Suite struct LoudnessTests {
    @Test func fullScaleSineIsAboutMinusThreeLUFS() throws {
        // EBU Tech 3341: a 1 kHz sine at 0 dBFS peak reads −3.01 LUFS.
        let tone = AudioFixtures.sine(frequency: 1000, seconds: 5, sampleRate: 48_000, amplitude: 1)
        let loudness = try #require(LoudnessMeter.integratedLoudness(tone))
        #expect(abs(loudness - -3.01) < 0.3, "\(loudness)")
    }

    @Test func levelChangesShiftLoudnessByTheSameDecibels() throws {
        let tone = AudioFixtures.sine(frequency: 1000, seconds: 3, sampleRate: 22050, amplitude: 0.5)
        let quieter = AudioBuffer(samples: tone.samples.map { $0 * 0.1 }, sampleRate: 22050)
        let a = try #require(LoudnessMeter.integratedLoudness(tone))
        let b = try #require(LoudnessMeter.integratedLoudness(quieter))
        #expect(abs((a - b) - 20) < 0.1)
    }

    @Test func normalizesToTargetUnderTheCeiling() throws {
        let quiet = AudioFixtures.sine(frequency: 300, seconds: 3, sampleRate: 22050, amplitude: 0.02)
        let normalized = LoudnessNormalizer.normalize(quiet, targetLUFS: -16)
        let loudness = try #require(LoudnessMeter.integratedLoudness(normalized))
        #expect(abs(loudness - -16) < 0.5, "\(loudness)")
        #expect(20 * log10(Double(LoudnessMeter.samplePeak(normalized))) <= -0.99)
    }

    @Test func peakCeilingWinsOverTarget() throws {
        // A spiky signal: reaching −10 LUFS would push peaks past −1 dBFS.
        var samples = [Float](repeating: 0, count: 22050 * 3)
        for index in stride(from: 0, to: samples.count, by: 500) { samples[index] = 0.9 }
        for index in samples.indices { samples[index] += 0.05 * Float(sin(Double(index) * 0.1)) }
        let normalized = LoudnessNormalizer.normalize(AudioBuffer(samples: samples, sampleRate: 22050), targetLUFS: -10)
        #expect(20 * log10(Double(LoudnessMeter.samplePeak(normalized))) <= -0.99)
    }

    @Test func silenceAndShortAudioAreLeftAlone() {
        let silence = AudioBuffer(samples: [Float](repeating: 0, count: 22050), sampleRate: 22050)
        #expect(LoudnessMeter.integratedLoudness(silence) == nil)
        #expect(LoudnessNormalizer.normalize(silence) == silence)
        let short = AudioBuffer(samples: [0.5, -0.5, 0.5], sampleRate: 22050)
        #expect(LoudnessNormalizer.normalize(short) == short)
    }

    @Test func limiterHoldsPeaksEvenAtTheEdgesAndLeavesTheRestAlone() {
        var samples = [Float](repeating: 0.1, count: 22050 * 3)
        samples[0] = 5; samples[33075] = -8; samples[66149] = 3
        let limited = PeakLimiter.limit(samples, sampleRate: 22050, ceiling: 0.5)
        #expect(limited.allSatisfy { abs($0) <= 0.5 + 1e-4 })
        // A second away from any peak the gain has recovered (release 80 ms).
        #expect(abs(limited[22050] - 0.1) < 1e-4)
        let quiet = [Float](repeating: 0.2, count: 1000)
        #expect(PeakLimiter.limit(quiet, sampleRate: 22050, ceiling: 0.5) == quiet)
    }
}
