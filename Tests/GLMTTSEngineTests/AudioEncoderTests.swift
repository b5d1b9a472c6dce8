import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

@Suite struct AudioEncoderTests {
    @Test(arguments: OutputFormat.allCases)
    func roundTripsThroughEveryFormat(_ format: OutputFormat) throws {
        let tone = AudioFixtures.sine(seconds: 1.5, sampleRate: 22050, amplitude: 0.5)
        let encoded = try AudioEncoder.encode(tone, as: format)
        #expect(encoded.count > 500)
        let back: AudioBuffer
        if format == .pcm {
            #expect(encoded.count == tone.samples.count * 2)
            back = AudioBuffer(
                samples: stride(from: 0, to: encoded.count, by: 2).map { index in
                    Float(Int16(littleEndian: encoded.subdata(in: index..<index + 2).withUnsafeBytes { $0.loadUnaligned(as: Int16.self) }))
                        / 32767
                }, sampleRate: 22050)
        } else {
            let decoded = try AudioDecoder.decode(encoded)
            back = decoded.audio
            let expectedRate = format == .opus ? 48_000 : 22050
            #expect(back.sampleRate == expectedRate, "\(format)")
        }
        // Lossy codecs add priming/padding; allow 0.1 s.
        #expect(abs(back.duration - tone.duration) < 0.1, "\(format): \(back.duration) s")
        // A 0.5 sine has RMS 0.354; lossy codecs keep the level within a dB or so.
        #expect(abs(back.rms - tone.rms) < 0.05, "\(format): rms \(back.rms)")
        // Pitch over the middle second (lossy codecs pad the edges).
        let middle = Array(back.samples[back.sampleRate / 4..<back.sampleRate * 5 / 4])
        let crossingsPerSecond = Double(AudioFixtures.zeroCrossings(middle))
        #expect(abs(crossingsPerSecond - 880) < 40, "\(format): \(crossingsPerSecond) crossings/s")
    }

    /// Rates a codec lacks (6 kHz, 96 kHz) are resampled to one it has; the rest keep theirs.
    @Test(arguments: [6_000, 96_000])
    func unusualSampleRatesEncodeInEveryFormat(_ rate: Int) throws {
        let tone = AudioFixtures.sine(frequency: 440, seconds: 1, sampleRate: rate, amplitude: 0.5)
        for format in OutputFormat.allCases where format != .pcm {
            let decoded = try AudioDecoder.decode(AudioEncoder.encode(tone, as: format))
            #expect(decoded.audio.sampleRate == format.encodedSampleRate(for: rate), "\(format) at \(rate) Hz")
            // ADTS cannot signal the encoder delay: AAC keeps 1024 priming samples and pads
            // the last frame, which is 0.25 s at the 8 kHz that 6 kHz input is raised to.
            let encodedRate = Double(format.encodedSampleRate(for: rate))
            let tolerance = format == .aac ? 2 * 1024 / encodedRate + 0.05 : 0.1
            #expect(abs(decoded.audio.duration - 1) < tolerance, "\(format) at \(rate) Hz: \(decoded.audio.duration) s")
            #expect(abs(decoded.audio.rms - tone.rms) < 0.05, "\(format) at \(rate) Hz: rms \(decoded.audio.rms)")
        }
        #expect(try AudioEncoder.encode(tone, as: .pcm).count == tone.samples.count * 2)
    }

    @Test func encodedSampleRates() {
        #expect(OutputFormat.opus.encodedSampleRate(for: 22050) == 48_000)
        #expect(OutputFormat.mp3.encodedSampleRate(for: 22050) == 22050)
        #expect(OutputFormat.mp3.encodedSampleRate(for: 6000) == 8000)
        #expect(OutputFormat.mp3.encodedSampleRate(for: 96_000) == 48_000)
        #expect(OutputFormat.aac.encodedSampleRate(for: 96_000) == 96_000)
        #expect(OutputFormat.aac.encodedSampleRate(for: 192_000) == 96_000)
        #expect(OutputFormat.wav.encodedSampleRate(for: 12_345) == 12_345)
    }

    @Test func containersAreRecognised() throws {
        let tone = AudioFixtures.sine()
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .wav)).container == .wav)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .flac)).container == .flac)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .mp3)).container == .mp3)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .opus)).container == .oggOpus)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .aac)).container == .aac)
    }

    @Test func clipsOutOfRangeSamples() throws {
        let loud = AudioBuffer(samples: [2, -3, .nan, 0.5, .infinity, -.infinity, -0.25], sampleRate: 16000)
        let pcm = try AudioEncoder.encode(loud, as: .pcm)
        let values = stride(from: 0, to: pcm.count, by: 2).map { i in
            pcm.subdata(in: i..<i + 2).withUnsafeBytes { $0.loadUnaligned(as: Int16.self) }
        }
        #expect(values == [32767, -32767, 0, 16384, 0, 0, -8192])
        // The WAV master is the 44-byte header and exactly these samples.
        let wav = try AudioEncoder.encode(loud, as: .wav)
        #expect(wav.prefix(44) == AudioEncoder.wavHeader(sampleRate: 16000, dataBytes: pcm.count))
        #expect(wav.dropFirst(44) == pcm)
    }

    @Test func clippingHoldsInLossyFormatsToo() throws {
        // A square wave at ±4 is clipped to ±1 before encoding, so nothing wraps around.
        let samples = (0..<22050).map { $0 / 50 % 2 == 0 ? Float(4) : -4 }
        for format in [OutputFormat.wav, .flac] {
            let decoded = try AudioDecoder.decode(AudioEncoder.encode(AudioBuffer(samples: samples, sampleRate: 22050), as: format))
            #expect(decoded.audio.samples.allSatisfy { abs($0) <= 1.0001 }, "\(format)")
            #expect(decoded.audio.rms > 0.99, "\(format)")
        }
    }

    @Test func emptyAudioIsRefused() {
        for format in OutputFormat.allCases {
            #expect(throws: AudioError.noSamples) { try AudioEncoder.encode(AudioBuffer(samples: [], sampleRate: 22050), as: format) }
        }
    }

    @Test func absurdSampleRateIsRefused() {
        #expect(throws: AudioError.implausibleSampleRate(1_000_000)) {
            try AudioEncoder.encode(AudioBuffer(samples: [0.1, 0.2], sampleRate: 1_000_000), as: .wav)
        }
    }

    @Test func formatNamesParse() {
        #expect(OutputFormat(name: "MP3") == .mp3)
        #expect(OutputFormat(name: "ogg") == .opus)
        #expect(OutputFormat(name: "xyz") == nil)
        #expect(OutputFormat(name: "") == nil)
        for format in OutputFormat.allCases {
            #expect(OutputFormat(name: format.rawValue.uppercased()) == format)
            #expect(OutputFormat(name: format.fileExtension) == format)
            #expect(format.mimeType.hasPrefix("audio/"))
        }
        #expect(OutputFormat.opus.mimeType.hasPrefix("audio/ogg"))
    }
}
