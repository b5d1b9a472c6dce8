import Foundation
import Testing
@testable import GLMTTSCore

@Suite struct AudioDecoderTests {
    @Test func downmixesStereo() throws {
        // Left = tone, right = silence → mono at half amplitude.
        let tone = AudioFixtures.sine(seconds: 0.5, sampleRate: 16000, amplitude: 0.8)
        var data = AudioFixtures.wavHeader(sampleRate: 16000, channels: 2, declaredDataBytes: UInt32(tone.samples.count * 4))
        for sample in tone.samples {
            withUnsafeBytes(of: Int16(sample * 32767).littleEndian) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: Int16(0).littleEndian) { data.append(contentsOf: $0) }
        }
        let decoded = try AudioDecoder.decode(data)
        #expect(decoded.sourceChannels == 2)
        #expect(decoded.audio.samples.count == tone.samples.count)
        #expect(abs(decoded.audio.rms - tone.rms / 2) < 0.01)
    }

    @Test func decodesM4AAndWebMThroughFFmpeg() throws {
        let wav = try AudioEncoder.encode(AudioFixtures.sine(seconds: 2, sampleRate: 44100), as: .wav)
        let m4a = try AudioFixtures.ffmpegConvert(wav, arguments: ["-c:a", "aac", "-f", "mp4"])
        let webm = try AudioFixtures.ffmpegConvert(wav, arguments: ["-c:a", "libopus", "-f", "webm"])
        let fromM4A = try AudioDecoder.decode(m4a)
        let fromWebM = try AudioDecoder.decode(webm)
        #expect(fromM4A.container == .m4a)
        #expect(fromWebM.container == .webm)
        #expect(abs(fromM4A.audio.duration - 2) < 0.1)
        #expect(abs(fromWebM.audio.duration - 2) < 0.1)
        #expect(fromM4A.audio.rms > 0.3)
    }

    @Test func formatComesFromContentNotName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let misnamed = folder.appendingPathComponent("really-a-wav.mp3")
        try AudioEncoder.encode(AudioFixtures.sine(), as: .wav).write(to: misnamed)
        #expect(try AudioDecoder.decode(fileAt: misnamed).container == .wav)
    }

    @Test func emptyInput() {
        #expect(throws: AudioError.empty) { try AudioDecoder.decode(Data()) }
    }

    @Test func truncatedHeader() {
        #expect(throws: AudioError.self) { try AudioDecoder.decode(Data("RIFF\u{10}\u{0}\u{0}\u{0}WAVEfm".utf8)) }
    }

    @Test func zeroSamples() {
        #expect(throws: AudioError.noSamples) { try AudioDecoder.decode(AudioFixtures.wavHeader(declaredDataBytes: 0)) }
    }

    @Test func absurdSampleRate() {
        var data = AudioFixtures.wavHeader(sampleRate: 4_000_000_000, declaredDataBytes: 2000)
        data.append(Data(count: 2000))
        #expect(throws: AudioError.self) { try AudioDecoder.decode(data) }
    }

    @Test func hugeDeclaredLengthWithLittleData() throws {
        var data = AudioFixtures.wavHeader(declaredDataBytes: 0xFFFF_FFF0)
        let tone = AudioFixtures.sine(seconds: 0.2)
        for sample in tone.samples { withUnsafeBytes(of: Int16(sample * 32767).littleEndian) { data.append(contentsOf: $0) } }
        // Either the real 0.2 s are read, or a clear corruption error: never a 4 GB allocation or a crash.
        do {
            let decoded = try AudioDecoder.decode(data)
            #expect(abs(decoded.audio.duration - 0.2) < 0.01)
        } catch let error as AudioError {
            #expect(!error.message.isEmpty)
        }
    }

    @Test func randomBytesAndText() {
        var generator = SystemRandomNumberGenerator()
        let random = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(throws: AudioError.self) { try AudioDecoder.decode(random) }
        #expect(throws: AudioError.unsupportedFormat) { try AudioDecoder.decode(Data("hello, this is a text file\n".utf8)) }
        #expect(throws: AudioError.unsupportedFormat) { try AudioDecoder.decode(Data("<html><body>hi</body></html>".utf8)) }
    }

    @Test func garbageAfterKnownMagic() {
        // Looks like each container from its first bytes, then nonsense.
        for magic in ["fLaC", "OggS\u{0}\u{2}OpusHead", "ID3\u{4}\u{0}", "\u{1A}\u{45}\u{DF}\u{A3}", "\u{0}\u{0}\u{0}\u{20}ftypM4A "] {
            var data = Data(magic.utf8)
            data.append(Data(repeating: 0x41, count: 300))
            #expect(throws: AudioError.self, "\(magic)") { try AudioDecoder.decode(data) }
        }
    }

    @Test func oversizedInputIsRefusedBeforeDecoding() {
        let data = Data(count: 2048)
        #expect(throws: AudioError.tooLarge(bytes: 2048, limit: 1024)) {
            try AudioDecoder.decode(data, limits: AudioLimits(maxBytes: 1024))
        }
    }

    @Test func tooLongIsRefused() throws {
        let wav = try AudioEncoder.encode(AudioFixtures.sine(seconds: 3, sampleRate: 8000), as: .wav)
        #expect(throws: AudioError.self) { try AudioDecoder.decode(wav, limits: AudioLimits(maxDuration: 1)) }
    }

    @Test func errorMessagesSayWhatToDo() {
        #expect(AudioError.unsupportedFormat.message.contains("WAV"))
        #expect(AudioError.empty.message.contains("send"))
        #expect(AudioError.implausibleSampleRate(5).message.contains("damaged"))
    }
}
