import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

@Suite struct ResamplerTests {
    @Test func upAndDownKeepDurationAndPitch() throws {
        let tone = AudioFixtures.sine(frequency: 440, seconds: 2, sampleRate: 22050)
        let up = try Resampler.resample(tone, to: 48_000)
        #expect(up.sampleRate == 48_000)
        #expect(abs(up.duration - 2) < 0.01)
        let down = try Resampler.resample(up, to: 22050)
        #expect(abs(down.duration - 2) < 0.01)
        for buffer in [up, down] {
            let frequency = Double(AudioFixtures.zeroCrossings(buffer.samples)) / buffer.duration / 2
            #expect(abs(frequency - 440) < 5, "\(frequency) Hz")
        }
        #expect(abs(down.rms - tone.rms) < 0.01)
    }

    @Test(arguments: ResamplerQuality.allCases)
    func everyQualityKeepsDurationAndPitch(_ quality: ResamplerQuality) throws {
        let tone = AudioFixtures.sine(frequency: 1000, seconds: 1, sampleRate: 44100)
        let out = try Resampler.resample(tone, to: 16000, quality: quality)
        #expect(abs(out.samples.count - 16000) <= 1)
        let frequency = Double(AudioFixtures.zeroCrossings(out.samples)) / out.duration / 2
        #expect(abs(frequency - 1000) < 5, "\(quality): \(frequency) Hz")
        #expect(abs(out.rms - tone.rms) < 0.02, "\(quality)")
    }

    @Test func removesContentAboveTheNewNyquist() throws {
        // A 10 kHz tone cannot exist at 16 kHz: the anti-aliasing filter removes it rather
        // than folding it down to 6 kHz.
        let tone = AudioFixtures.sine(frequency: 10_000, seconds: 1, sampleRate: 44100)
        let out = try Resampler.resample(tone, to: 16000)
        #expect(out.rms < 0.01, "\(out.rms)")
    }

    @Test func sameRateIsUnchanged() throws {
        let tone = AudioFixtures.sine()
        #expect(try Resampler.resample(tone, to: tone.sampleRate) == tone)
    }

    @Test func absurdRatesAreRefused() {
        #expect(throws: AudioError.self) { try Resampler.resample(AudioFixtures.sine(), to: 0) }
        #expect(throws: AudioError.self) { try Resampler.resample(AudioFixtures.sine(), to: 10_000_000) }
    }

    @Test func emptyStaysEmpty() throws {
        #expect(try Resampler.resample(AudioBuffer(samples: [], sampleRate: 16000), to: 48000).samples.isEmpty)
    }
}
