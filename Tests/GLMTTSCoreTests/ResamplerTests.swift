import Testing
@testable import GLMTTSCore

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
