import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

@Suite struct LoudnessTests {
    @Test func fullScaleSineIsAboutMinusThreeLUFS() throws {
        // EBU Tech 3341: a 1 kHz sine at 0 dBFS peak reads −3.01 LUFS.
        let tone = AudioFixtures.sine(frequency: 1000, seconds: 5, sampleRate: 48_000, amplitude: 1)
        let loudness = try #require(LoudnessMeter.integratedLoudness(tone))
        #expect(abs(loudness - -3.01) < 0.3, "\(loudness)")
    }

    @Test func kWeightingMatchesTheCoefficientsOfBS1770At48kHz() {
        let (shelf, highPass) = LoudnessMeter.kWeightingFilters(sampleRate: 48_000)
        let expectedShelf = [1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585]
        let actualShelf = [shelf.b0, shelf.b1, shelf.b2, shelf.a1, shelf.a2]
        for (actual, expected) in zip(actualShelf, expectedShelf) { #expect(abs(actual - expected) < 1e-6, "\(actual) vs \(expected)") }
        #expect(abs(highPass.a1 - -1.99004745483398) < 1e-6)
        #expect(abs(highPass.a2 - 0.99007225036621) < 1e-6)
        #expect([highPass.b0, highPass.b1, highPass.b2] == [1, -2, 1])
    }

    @Test func sameToneMeasuresTheSameAtEverySampleRate() throws {
        // Coefficients are derived for the actual rate, so the reading does not depend on it.
        var readings: [Double] = []
        for rate in [8_000, 16_000, 22_050, 44_100, 48_000, 96_000] {
            let tone = AudioFixtures.sine(frequency: 1000, seconds: 2, sampleRate: rate, amplitude: 0.5)
            readings.append(try #require(LoudnessMeter.integratedLoudness(tone)))
        }
        let spread = readings.max()! - readings.min()!
        #expect(spread < 0.1, "\(readings)")
        #expect(abs(readings[0] - (-3.01 - 6.02)) < 0.2)
    }

    @Test func relativeGateIgnoresQuietPassages() throws {
        // After EBU Tech 3341 case 3 (mono): −36 / −23 / −36 LUFS tone; the quiet parts are
        // more than 10 LU below and gated out, so the result is −23 (the few blocks that
        // straddle a change pull it down by about 0.04 LU over 30 s).
        let rate = 48_000
        func tone(_ lufs: Double, seconds: Double) -> [Float] {
            AudioFixtures.sine(frequency: 1000, seconds: seconds, sampleRate: rate, amplitude: Float(pow(10, (lufs + 3.01) / 20))).samples
        }
        let audio = AudioBuffer(samples: tone(-36, seconds: 3) + tone(-23, seconds: 30) + tone(-36, seconds: 3), sampleRate: rate)
        let loudness = try #require(LoudnessMeter.integratedLoudness(audio))
        #expect(abs(loudness - -23) < 0.1, "\(loudness)")
        // Below the absolute gate (−70 LUFS) nothing counts.
        #expect(LoudnessMeter.integratedLoudness(AudioBuffer(samples: tone(-75, seconds: 2), sampleRate: rate)) == nil)
    }

    @Test func samplePeakIsTheLargestMagnitude() {
        #expect(LoudnessMeter.samplePeak(AudioBuffer(samples: [0.1, -0.7, 0.5], sampleRate: 8000)) == 0.7)
        #expect(LoudnessMeter.samplePeak(AudioBuffer(samples: [], sampleRate: 8000)) == 0)
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
        samples[0] = 5
        samples[33075] = -8
        samples[66149] = 3
        let limited = PeakLimiter.limit(samples, sampleRate: 22050, ceiling: 0.5)
        #expect(limited.allSatisfy { abs($0) <= 0.5 + 1e-4 })
        // A second away from any peak the gain has recovered (release 80 ms).
        #expect(abs(limited[22050] - 0.1) < 1e-4)
        let quiet = [Float](repeating: 0.2, count: 1000)
        #expect(PeakLimiter.limit(quiet, sampleRate: 22050, ceiling: 0.5) == quiet)
    }

    @Test func blockEnergiesMatchRunningSumsAtEveryRate() {
        // The meter keeps the running energy only at block edges; these must be the very
        // sums a per-sample running total gives (rates where 400 ms is not 4 hops included).
        for rate in [8000, 11025, 16000, 22050, 44100] {
            let count = rate * 3 + 137
            let samples: [Float] = (0..<count).map { (index: Int) -> Float in
                let tone = Float(sin(Double(index) * 0.03) * 0.4)
                let noise = Float((index * 7919) % 101) / 2000
                return tone + noise
            }
            let blockLength = Int(0.4 * Double(rate))
            let hop = Int(0.1 * Double(rate))
            let (shelf, highPass) = LoudnessMeter.kWeightingFilters(sampleRate: Double(rate))
            var first = LoudnessMeter.Biquad.State()
            var second = LoudnessMeter.Biquad.State()
            var prefix = [0.0]
            for sample in samples {
                let weighted = highPass.step(shelf.step(Double(sample), &first), &second)
                let total: Double = prefix[prefix.count - 1] + weighted * weighted
                prefix.append(total)
            }
            let expected: [Double] = stride(from: 0, through: count - blockLength, by: hop).map { (start: Int) -> Double in
                (prefix[start + blockLength] - prefix[start]) / Double(blockLength)
            }
            #expect(
                LoudnessMeter.blockMeanSquares(samples, sampleRate: Double(rate), blockLength: blockLength, hop: hop) == expected,
                "\(rate) Hz")
        }
    }

    @Test func theLimitersGainIsTheSameAsScalingFirst() {
        var samples = [Float](repeating: 0, count: 22050)
        for index in samples.indices { samples[index] = 0.3 * Float(sin(Double(index) * 0.05)) }
        samples[5000] = 0.95
        let scaledFirst = PeakLimiter.limit(samples.map { $0 * 2.5 }, sampleRate: 22050, ceiling: 0.891)
        let reported = PeakLimiter.limitReporting(samples, gain: 2.5, sampleRate: 22050, ceiling: 0.891)
        #expect(reported.samples == scaledFirst && reported.limited)
        let gentle = PeakLimiter.limitReporting(samples, gain: 0.5, sampleRate: 22050, ceiling: 0.891)
        #expect(gentle.samples == samples.map { $0 * 0.5 } && !gentle.limited)
    }
}
