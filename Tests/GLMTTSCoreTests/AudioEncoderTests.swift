import Foundation
import Testing
@testable import GLMTTSCore

@Suite struct AudioEncoderTests {
    @Test(arguments: OutputFormat.allCases)
    func roundTripsThroughEveryFormat(_ format: OutputFormat) throws {
        let tone = AudioFixtures.sine(seconds: 1.5, sampleRate: 22050, amplitude: 0.5)
        let encoded = try AudioEncoder.encode(tone, as: format)
        #expect(encoded.count > 500)
        let back: AudioBuffer
        if format == .pcm {
            #expect(encoded.count == tone.samples.count * 2)
            back = AudioBuffer(samples: stride(from: 0, to: encoded.count, by: 2).map { index in
                Float(Int16(littleEndian: encoded.subdata(in: index..<index + 2).withUnsafeBytes { $0.loadUnaligned(as: Int16.self) })) / 32767
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

    @Test func containersAreRecognised() throws {
        let tone = AudioFixtures.sine()
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .wav)).container == .wav)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .flac)).container == .flac)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .mp3)).container == .mp3)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .opus)).container == .oggOpus)
        #expect(try AudioDecoder.decode(AudioEncoder.encode(tone, as: .aac)).container == .aac)
    }

    @Test func clipsOutOfRangeSamples() throws {
        let loud = AudioBuffer(samples: [2, -3, .nan, 0.5], sampleRate: 16000)
        let pcm = try AudioEncoder.encode(loud, as: .pcm)
        let values = stride(from: 0, to: pcm.count, by: 2).map { i in pcm.subdata(in: i..<i + 2).withUnsafeBytes { $0.loadUnaligned(as: Int16.self) } }
        #expect(values == [32767, -32767, 0, 16384])
    }

    @Test func emptyAudioIsRefused() {
        #expect(throws: AudioError.noSamples) { try AudioEncoder.encode(AudioBuffer(samples: [], sampleRate: 22050), as: .wav) }
    }

    @Test func formatNamesParse() {
        #expect(OutputFormat(name: "MP3") == .mp3)
        #expect(OutputFormat(name: "ogg") == .opus)
        #expect(OutputFormat(name: "xyz") == nil)
        #expect(OutputFormat.opus.mimeType.hasPrefix("audio/ogg"))
    }
}
