import Foundation
import GLMTTSEngine
import Testing

/// Replays the committed corpus of the `audio` fuzz target (Tests/fixtures/fuzz/audio, grown
/// by `scripts/fuzz audio`) through the same entry point the fuzzer calls. `AudioFuzzEntry`
/// traps on any broken contract (a non-`AudioError`, audio outside the limits, …), so a
/// regression on one of these inputs crashes this test.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/fuzz/audio")

    static func inputs() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: [.isRegularFileKey])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func everyCorpusInputDecodesOrIsRefusedWithAnAudioError() throws {
        let files = try Self.inputs()
        #expect(files.count >= 15, "the audio corpus is missing (\(Self.corpus.path))")
        var decoded = 0
        for file in files {
            if case .decoded = AudioFuzzEntry.run(try Data(contentsOf: file)) { decoded += 1 }
        }
        #expect(decoded >= 10)
    }

    @Test func theSeedsDoWhatTheirNamesSay() throws {
        func outcome(_ name: String) throws -> AudioFuzzEntry.Outcome {
            AudioFuzzEntry.run(try Data(contentsOf: Self.corpus.appendingPathComponent(name)))
        }
        #expect(try outcome("seed-a.wav") == .decoded(.wav, frames: 400))
        #expect(try outcome("seed-ext51.wav") == .decoded(.wav, frames: 80))
        #expect(try outcome("seed-a.flac") == .decoded(.flac, frames: 800))
        for name in ["seed-a.ogg", "seed-a.opus", "seed-a.mp3", "seed-raw.mp3", "seed-rf64.wav", "seed-float.wav"] {
            guard case .decoded = try outcome(name) else {
                Issue.record("\(name) was not decoded")
                continue
            }
        }
        #expect(try outcome("seed-a.aac") == .skippedFFmpeg(.aac))
        #expect(try outcome("seed-a.au") == .refused(.unsupportedFormat))
        #expect(try outcome("seed-a.aiff") == .refused(.unsupportedFormat))
        // An ID3 tag before a playlist: sniffed as MP3, refused by libsndfile, so it would go
        // to ffmpeg (which must then refuse it, see the HTTP hostile-media tests).
        #expect(try outcome("seed-id3-hls.mp3") == .skippedFFmpeg(.mp3))
    }

    /// Found by the fuzzer (crash-float-wav-huge-peak.wav): a float WAV whose peak is near
    /// Float.greatestFiniteMagnitude was scaled by 1 / peak, a subnormal and imprecise gain,
    /// and came out at 1.0000001 — beyond the full scale `DecodedAudio` promises.
    @Test func aPeakNearTheLargestFloatIsScaledToFullScaleExactly() throws {
        var data = Data("RIFF".utf8)
        func le<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let peak = Float(bitPattern: 2_133_864_497)  // 2.3419435e38
        let values: [Float] = [0.25, peak, -peak, peak / 3, 170.99512, -1]
        le(UInt32(36 + values.count * 4))
        data.append(contentsOf: "WAVEfmt ".utf8)
        le(UInt32(16))
        le(UInt16(3))
        le(UInt16(1))
        le(UInt32(8000))
        le(UInt32(32000))
        le(UInt16(4))
        le(UInt16(32))
        data.append(contentsOf: "data".utf8)
        le(UInt32(values.count * 4))
        for value in values { le(value.bitPattern) }
        let samples = try AudioDecoder.decode(data).audio.samples
        #expect(samples.count == values.count)
        #expect(samples.map { abs($0) }.max() == 1)
        #expect(samples[1] == 1 && samples[2] == -1)
        #expect(AudioFuzzEntry.run(data) == .decoded(.wav, frames: values.count))
    }
}
