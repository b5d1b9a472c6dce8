import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

@Suite struct AudioDecoderTests {
    /// Runs `body`, expecting an `AudioError` with `code`; returns it for further checks.
    @discardableResult
    private func expectAudioError(
        _ code: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) -> AudioError? {
        let error = #expect(throws: AudioError.self, sourceLocation: sourceLocation) { try body() }
        #expect(error?.code == code, "got \(String(describing: error)): \(error?.message ?? "")", sourceLocation: sourceLocation)
        #expect(error?.message.isEmpty == false, sourceLocation: sourceLocation)
        return error
    }

    // MARK: - Good input

    /// An RF64 whose ds64 chunk declares 2^63 − 1 data bytes made libsndfile seek so far that
    /// the seek callback overflowed and the process trapped (found by the fuzz tests). Now it
    /// is refused, or decodes to the few samples really present.
    @Test func rf64WithAHugeDeclaredSizeIsNotACrash() {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        func chunk(_ id: String, _ body: [UInt8], size: UInt32? = nil) -> [UInt8] {
            Array(id.utf8) + le(size ?? UInt32(body.count)) + body
        }
        let ds64 = le(UInt64(0)) + le(UInt64(Int64.max)) + le(UInt64(0)) + le(UInt32(0))
        let fmt = le(UInt16(1)) + le(UInt16(1)) + le(UInt32(22050)) + le(UInt32(44100)) + le(UInt16(2)) + le(UInt16(16))
        let body =
            Array("WAVE".utf8) + chunk("ds64", ds64) + chunk("fmt ", fmt)
            + chunk("data", [UInt8](repeating: 1, count: 16), size: 0xFFFF_FFFF)
        let file = Data(Array("RF64".utf8) + le(UInt32(0xFFFF_FFFF)) + body)
        if let decoded = try? AudioDecoder.decode(file) {
            #expect(decoded.audio.duration < 0.01)
        }
    }

    @Test func downmixesStereoByAveraging() throws {
        // Left = tone, right = silence → mono at half amplitude.
        let tone = AudioFixtures.sine(seconds: 0.5, sampleRate: 16000, amplitude: 0.8)
        let decoded = try AudioDecoder.decode(AudioFixtures.stereoWAV(left: tone))
        #expect(decoded.container == .wav)
        #expect(decoded.sourceChannels == 2)
        #expect(decoded.sourceSampleRate == 16000)
        #expect(decoded.audio.sampleRate == 16000)
        #expect(decoded.audio.samples.count == tone.samples.count)
        #expect(abs(decoded.audio.rms - tone.rms / 2) < 0.01)
    }

    @Test func decodesM4AWithMoovAtTheEndThroughFFmpeg() throws {
        // ffmpeg (like most encoders) writes the moov box after the media data; such a file
        // cannot be demuxed from a pipe, which is why ffmpeg gets a seekable stdin.
        let wav = try AudioEncoder.encode(AudioFixtures.sine(seconds: 20, sampleRate: 44100), as: .wav)
        let m4a = try AudioFixtures.ffmpegConvert(wav, arguments: ["-c:a", "aac", "-f", "mp4"])
        let boxes = AudioFixtures.mp4TopLevelBoxes(m4a)
        let mdat = try #require(boxes.firstIndex(of: "mdat"))
        let moov = try #require(boxes.firstIndex(of: "moov"))
        #expect(mdat < moov)
        let decoded = try AudioDecoder.decode(m4a)
        #expect(decoded.container == .m4a)
        #expect(decoded.sourceSampleRate == 44100)
        #expect(abs(decoded.audio.duration - 20) < 0.1)
        #expect(abs(decoded.audio.rms - 0.354) < 0.03)
    }

    @Test func decodesStereoM4AAndWebMAveragingChannels() throws {
        let tone = AudioFixtures.sine(seconds: 2, sampleRate: 48000, amplitude: 0.8)
        let wav = AudioFixtures.stereoWAV(left: tone)
        let m4a = try AudioFixtures.ffmpegConvert(wav, arguments: ["-c:a", "aac", "-movflags", "+faststart", "-f", "mp4"])
        let webm = try AudioFixtures.ffmpegConvert(wav, arguments: ["-c:a", "libopus", "-f", "webm"])
        for (data, container) in [(m4a, AudioContainer.m4a), (webm, .webm)] {
            let decoded = try AudioDecoder.decode(data)
            #expect(decoded.container == container)
            #expect(decoded.sourceChannels == 2, "\(container)")
            #expect(decoded.sourceSampleRate == 48000, "\(container)")
            #expect(abs(decoded.audio.duration - 2) < 0.1, "\(container): \(decoded.audio.duration) s")
            // Averaging a tone with silence halves it: RMS 0.8/√2/2 ≈ 0.283.
            #expect(abs(decoded.audio.rms - tone.rms / 2) < 0.03, "\(container): rms \(decoded.audio.rms)")
        }
    }

    @Test func decodesWhatLibsndfileRefusesThroughFFmpeg() throws {
        // MP3 inside a WAV container and FLAC inside Ogg: libsndfile cannot open them, ffmpeg can.
        let wav = try AudioEncoder.encode(AudioFixtures.sine(seconds: 1.5, sampleRate: 22050), as: .wav)
        let mp3InWAV = try AudioFixtures.ffmpegConvert(wav, arguments: ["-c:a", "libmp3lame", "-f", "wav"])
        let oggFLAC = try AudioFixtures.ffmpegConvert(wav, arguments: ["-c:a", "flac", "-f", "ogg"])
        for (data, container) in [(mp3InWAV, AudioContainer.wav), (oggFLAC, .flac)] {
            let decoded = try AudioDecoder.decode(data)
            #expect(decoded.container == container)
            #expect(abs(decoded.audio.duration - 1.5) < 0.1, "\(container): \(decoded.audio.duration) s")
            #expect(abs(decoded.audio.rms - 0.354) < 0.03, "\(container): rms \(decoded.audio.rms)")
        }
    }

    @Test func formatComesFromContentNotName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let misnamed = folder.appendingPathComponent("really-a-wav.mp3")
        try AudioEncoder.encode(AudioFixtures.sine(), as: .wav).write(to: misnamed)
        let decoded = try AudioDecoder.decode(fileAt: misnamed)
        #expect(decoded.container == .wav)
        #expect(abs(decoded.audio.duration - 1.5) < 0.001)
        // And an MP3 named .wav is read as MP3.
        let mp3 = folder.appendingPathComponent("really-an-mp3.wav")
        try AudioEncoder.encode(AudioFixtures.sine(), as: .mp3).write(to: mp3)
        #expect(try AudioDecoder.decode(fileAt: mp3).container == .mp3)
    }

    // MARK: - Bad input

    @Test func emptyInput() {
        expectAudioError("audio.empty") { _ = try AudioDecoder.decode(Data()) }
    }

    @Test func truncatedHeaders() {
        expectAudioError("audio.corrupt") { _ = try AudioDecoder.decode(Data("RIFF\u{10}\u{0}".utf8)) }
        expectAudioError("audio.corrupt") { _ = try AudioDecoder.decode(Data("RIFF\u{10}\u{0}\u{0}\u{0}WAVEfm".utf8)) }
        // A complete 44-byte header cut in the middle of the fmt chunk.
        let header = AudioFixtures.wavHeader(declaredDataBytes: 1000)
        expectAudioError("audio.corrupt") { _ = try AudioDecoder.decode(header.prefix(30)) }
    }

    @Test func zeroSamples() {
        expectAudioError("audio.no_samples") { _ = try AudioDecoder.decode(AudioFixtures.wavHeader(declaredDataBytes: 0)) }
    }

    @Test func videoWithoutAudioHasNoSamples() throws {
        let webm = try AudioFixtures.ffmpegGenerate(["-f", "lavfi", "-i", "color=c=black:s=16x16:d=1", "-c:v", "libvpx", "-f", "webm"])
        #expect(AudioContainer.sniff(webm) == .webm)
        expectAudioError("audio.no_samples") { _ = try AudioDecoder.decode(webm) }
    }

    @Test func absurdSampleRate() {
        var data = AudioFixtures.wavHeader(sampleRate: 4_000_000_000, declaredDataBytes: 2000)
        data.append(Data(count: 2000))
        let error = expectAudioError("audio.implausible_sample_rate") { _ = try AudioDecoder.decode(data) }
        #expect(error?.message.contains("384 000") == true)
    }

    @Test func tinySampleRate() {
        var data = AudioFixtures.wavHeader(sampleRate: 100, declaredDataBytes: 2000)
        data.append(Data(count: 2000))
        expectAudioError("audio.implausible_sample_rate") { _ = try AudioDecoder.decode(data) }
    }

    @Test func absurdChannelCount() {
        var data = AudioFixtures.wavHeader(channels: 200, declaredDataBytes: 4000)
        data.append(Data(count: 4000))
        let error = expectAudioError("audio.implausible_channel_count") { _ = try AudioDecoder.decode(data) }
        #expect(error == .implausibleChannelCount(200))
    }

    @Test func wavFormatChunkIsFoundBehindOtherChunks() {
        // A LIST chunk before fmt (as many recorders write), odd-sized to check the padding.
        var data = Data("RIFF\u{0}\u{0}\u{0}\u{0}WAVELIST".utf8)
        withUnsafeBytes(of: UInt32(3).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: [1, 2, 3, 0])
        let plain = AudioFixtures.wavHeader(sampleRate: 44100, channels: 2, declaredDataBytes: 0)
        data.append(plain.suffix(from: 12))
        #expect(WAVFormatChunk(data) == WAVFormatChunk(channels: 2, sampleRate: 44100))
        #expect(WAVFormatChunk(Data("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8)) == nil)
        #expect(WAVFormatChunk(Data("not a wav at all".utf8)) == nil)
    }

    @Test func hugeDeclaredLengthWithLittleDataReadsWhatIsThere() throws {
        var data = AudioFixtures.wavHeader(declaredDataBytes: 0xFFFF_FFF0)
        let tone = AudioFixtures.sine(seconds: 0.2)
        for sample in tone.samples { withUnsafeBytes(of: Int16(sample * 32767).littleEndian) { data.append(contentsOf: $0) } }
        // No 4 GB allocation, no crash, no "too long": the 0.2 s that are there.
        let decoded = try AudioDecoder.decode(data)
        #expect(decoded.audio.samples.count == tone.samples.count)
    }

    @Test func declaredLengthOverTheLimitIsRefusedBeforeDecoding() throws {
        let wav = try AudioEncoder.encode(AudioFixtures.sine(seconds: 3, sampleRate: 8000), as: .wav)
        let error = expectAudioError("audio.too_long") { _ = try AudioDecoder.decode(wav, limits: AudioLimits(maxDuration: 1)) }
        #expect(error == .tooLong(seconds: 3, limit: 1))
        let flac = try AudioEncoder.encode(AudioFixtures.sine(seconds: 3, sampleRate: 8000), as: .flac)
        expectAudioError("audio.too_long") { _ = try AudioDecoder.decode(flac, limits: AudioLimits(maxDuration: 1)) }
    }

    @Test func tooLongCompressedAudioIsStoppedWhileDecoding() throws {
        let tone = AudioFixtures.sine(seconds: 4, sampleRate: 16000)
        let mp3 = try AudioEncoder.encode(tone, as: .mp3)
        let opus = try AudioEncoder.encode(tone, as: .opus)
        let webm = try AudioFixtures.ffmpegConvert(AudioEncoder.encode(tone, as: .wav), arguments: ["-c:a", "libopus", "-f", "webm"])
        for data in [mp3, opus, webm] {
            expectAudioError("audio.too_long") { _ = try AudioDecoder.decode(data, limits: AudioLimits(maxDuration: 1.5)) }
        }
    }

    @Test func nanSamplesInAFloatWAV() {
        var data = AudioFixtures.wavHeader(sampleRate: 8000, declaredDataBytes: 400, formatTag: 3, bitsPerSample: 32)
        for index in 0..<100 {
            let value: Float = index == 50 ? .nan : 0.25
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        expectAudioError("audio.corrupt") { _ = try AudioDecoder.decode(data) }
    }

    @Test func floatSamplesBeyondFullScaleAreScaledNotClipped() throws {
        var data = AudioFixtures.wavHeader(sampleRate: 8000, declaredDataBytes: 400, formatTag: 3, bitsPerSample: 32)
        let values: [Float] = (0..<100).map { index in index == 50 ? 4 : (index % 2 == 0 ? 1 : -2) }
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        let samples = try AudioDecoder.decode(data).audio.samples
        #expect(samples.count == 100)
        #expect(samples.map { abs($0) }.max() == 1)
        // One gain for the whole clip: the shape is kept (a clip at ±1 would have made 1 and -2 equal).
        #expect(samples[0] == 0.25 && samples[1] == -0.5 && samples[50] == 1)
    }

    @Test func randomBytesAndText() {
        var generator = SplitMix64(seed: 7919)
        // Random bytes that do not happen to start like a known container.
        var random = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        random[0] = 0x00
        random[4] = 0x00
        expectAudioError("audio.unsupported_format") { _ = try AudioDecoder.decode(random) }
        let text = expectAudioError("audio.unsupported_format") {
            _ = try AudioDecoder.decode(Data("hello, this is a text file\n".utf8))
        }
        #expect(text?.message.contains("WAV, FLAC, OGG") == true)
        expectAudioError("audio.unsupported_format") { _ = try AudioDecoder.decode(Data("<html><body>hi</body></html>".utf8)) }
        expectAudioError("audio.unsupported_format") { _ = try AudioDecoder.decode(Data("%PDF-1.7\n".utf8)) }
    }

    @Test func garbageAfterKnownMagic() {
        // Looks like each container from its first bytes, then nonsense.
        for magic in ["fLaC", "OggS\u{0}\u{2}OpusHead", "ID3\u{4}\u{0}", "\u{1A}\u{45}\u{DF}\u{A3}", "\u{0}\u{0}\u{0}\u{20}ftypM4A "] {
            var data = Data(magic.utf8)
            data.append(Data(repeating: 0x41, count: 300))
            #expect(throws: AudioError.self, "\(magic)") { _ = try AudioDecoder.decode(data) }
        }
    }

    @Test func largeGarbageForFFmpegFailsCleanly() {
        // Megabytes of noise behind a WebM / MP4 signature: ffmpeg gives up early; that must
        // be a clear error, not a hang or a crash.
        var generator = SplitMix64(seed: 15838)
        let noise = Data((0..<(4 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for magic in [Data([0x1A, 0x45, 0xDF, 0xA3]), Data("\u{0}\u{0}\u{0}\u{18}ftypisom".utf8)] {
            let error = #expect(throws: AudioError.self) { _ = try AudioDecoder.decode(magic + noise) }
            #expect(
                ["audio.ffmpeg_failed", "audio.corrupt", "audio.no_samples"].contains(error?.code ?? ""), "\(String(describing: error))")
        }
    }

    @Test func truncatedCompressedFiles() throws {
        // The first quarter of real files: either what survives decodes, or a typed error.
        let tone = AudioFixtures.sine(seconds: 2, sampleRate: 22050)
        for format in [OutputFormat.flac, .mp3, .opus] {
            let full = try AudioEncoder.encode(tone, as: format)
            let cut = full.prefix(full.count / 4)
            do {
                let decoded = try AudioDecoder.decode(cut)
                #expect(decoded.audio.duration < 1.5, "\(format)")
            } catch let error as AudioError {
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func oversizedInputIsRefusedBeforeDecoding() throws {
        let data = Data(count: 2048)
        let error = expectAudioError("audio.too_large") { _ = try AudioDecoder.decode(data, limits: AudioLimits(maxBytes: 1024)) }
        #expect(error?.message.contains("2.0 KiB") == true)
        // The same from a file: refused from its size, before it is read.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).wav")
        try AudioEncoder.encode(AudioFixtures.sine(), as: .wav).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        expectAudioError("audio.too_large") { _ = try AudioDecoder.decode(fileAt: url, limits: AudioLimits(maxBytes: 1024)) }
    }

    @Test func missingFileAndDirectory() {
        let missing = URL(fileURLWithPath: "/nonexistent/\(UUID().uuidString).wav")
        expectAudioError("audio.file_unreadable") { _ = try AudioDecoder.decode(fileAt: missing) }
        expectAudioError("audio.file_unreadable") { _ = try AudioDecoder.decode(fileAt: FileManager.default.temporaryDirectory) }
    }

    @Test func errorMessagesSayWhatToDo() {
        #expect(AudioError.unsupportedFormat.message.contains("WAV"))
        #expect(AudioError.empty.message.contains("send"))
        #expect(AudioError.implausibleSampleRate(5).message.contains("damaged"))
        #expect(AudioError.ffmpegMissing.category == .unavailable)
        #expect(AudioError.tooLarge(bytes: 60 << 20, limit: 50 << 20).message.contains("50.0 MiB"))
        for error in [AudioError.empty, .unsupportedFormat, .noSamples, .corrupt(format: "wav", reason: "x")] {
            #expect(error.code.hasPrefix("audio."))
            #expect(error.category == .invalidInput)
        }
    }
}
