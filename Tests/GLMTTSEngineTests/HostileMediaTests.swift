import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// Uploads whose bytes are playlists (HLS, ffconcat) disguised as audio must never make
/// ffmpeg open the files they name. The canary is a real FLAC file: decoded directly it is
/// fine audio, so had a playlist reached it, decoding would have succeeded.
@Suite struct HostileMediaTests {
    /// A FLAC of a 440 Hz tone in a fresh folder; removed afterwards.
    private static func withCanary(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-canary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let flac = try AudioFixtures.ffmpegGenerate(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-ar", "16000", "-f", "flac"])
        let canary = folder.appendingPathComponent("secret.flac")
        try flac.write(to: canary)
        try body(canary)
    }

    private static func playlist(_ target: String) -> Data {
        Data("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\n\(target)\n#EXT-X-ENDLIST\n".utf8)
    }

    @Test func everyContainerPinsAnAllowListedDemuxerAndForbidsOtherResources() {
        for container in AudioContainer.allCases {
            let demuxer = container.ffmpegDemuxer(for: Data())
            #expect(FFmpeg.allowedDemuxers.contains(demuxer), "\(container)")
            let options = FFmpeg.lockedInputOptions(demuxer: demuxer)
            #expect(options.starts(with: ["-f", demuxer, "-format_whitelist", demuxer, "-protocol_whitelist", "file"]))
        }
        #expect(AudioContainer.flac.ffmpegDemuxer(for: Data("OggS".utf8)) == "ogg")
        #expect(FFmpeg.lockedInputOptions(demuxer: "mov").suffix(2) == ["-enable_drefs", "0"])
        #expect(
            FFmpeg.allowedDemuxers.isDisjoint(with: ["hls", "applehttp", "concat", "dash", "sdp", "rtsp", "image2", "ffmetadata", "tee"]))
    }

    @Test func playlistsDisguisedAsAudioAreRefusedWithoutReadingTheFilesTheyName() throws {
        try Self.withCanary { canary in
            let good = try AudioDecoder.decode(fileAt: canary)
            #expect(good.audio.samples.count > 16_000, "the canary itself is good audio")
            let id3 = Data([0x49, 0x44, 0x33, 0x03, 0, 0, 0, 0, 0, 0])
            let hostile: [String: Data] = [
                "id3-hls": id3 + Self.playlist(canary.path),
                "id3-hls-file-url": id3 + Self.playlist("file://" + canary.path),
                "mpeg-sync-hls": Data([0xFF, 0xFB, 0x90, 0x00]) + Self.playlist(canary.path),
                "adts-hls": Data([0xFF, 0xF1, 0x50, 0x80]) + Self.playlist(canary.path),
                "riff-hls": Data("RIFF\u{24}\0\0\0WAVEfmt ".utf8) + Self.playlist(canary.path),
                "ftyp-hls": Data([0, 0, 0, 0x18]) + Data("ftypM4A \0\0\0\0M4A mp42".utf8) + Self.playlist(canary.path),
                "ebml-hls": Data([0x1A, 0x45, 0xDF, 0xA3]) + Self.playlist(canary.path),
                "id3-ffconcat": id3 + Data("ffconcat version 1.0\nfile '\(canary.path)'\n".utf8),
            ]
            for (name, bytes) in hostile {
                #expect(throws: AudioError.self, "\(name) must be refused") { try AudioDecoder.decode(bytes) }
            }
        }
    }

    /// A few kilobytes of FLAC silence at 384 kHz must not decode to gigabytes: samples are
    /// bounded as if at 48 kHz, so at 384 kHz the longest clip is an eighth of the limit.
    @Test func highSampleRatesCannotDecodeToGigabytes() throws {
        let limits = AudioLimits(maxDuration: 60)
        let fast = try AudioFixtures.ffmpegGenerate([
            "-f", "lavfi", "-i", "anullsrc=r=384000:cl=mono", "-t", "10", "-c:a", "flac", "-f", "flac",
        ])
        #expect(fast.count < 200_000)
        let error = #expect(throws: AudioError.self) { try AudioDecoder.decode(fast, limits: limits) }
        #expect(error?.code == "audio.too_long")
        #expect(error?.message.contains("7 s limit") == true, "\(error?.message ?? "")")
        let normal = try AudioFixtures.ffmpegGenerate([
            "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000", "-t", "10", "-c:a", "flac", "-f", "flac",
        ])
        #expect(try AudioDecoder.decode(normal, limits: limits).audio.samples.count == 480_000)
    }
}
