import Foundation

/// A recognised input container, identified from the bytes, never from a file name.
public enum AudioContainer: String, Sendable, Codable, CaseIterable {
    case wav, flac
    case oggVorbis = "ogg-vorbis"
    case oggOpus = "ogg-opus"
    case mp3, m4a, aac, webm

    /// Whether libsndfile decodes it in-process (otherwise ffmpeg does).
    public var decodedInProcess: Bool {
        switch self {
        case .wav, .flac, .oggVorbis, .oggOpus, .mp3: return true
        case .m4a, .aac, .webm: return false
        }
    }

    /// The ffmpeg demuxer that reads this container (`-f`), for `data` recognised as it.
    ///
    /// ffmpeg is always told the demuxer and never probes: probing is how an upload whose
    /// bytes are a playlist (HLS `#EXTM3U`, `ffconcat`, …) would reach a demuxer that opens
    /// the files or URLs named inside it. Every name returned here is in
    /// `FFmpeg.allowedDemuxers`, none of which opens another resource.
    func ffmpegDemuxer(for data: Data) -> String {
        switch self {
        case .wav: return "wav"
        case .flac: return data.starts(with: Array("OggS".utf8)) ? "ogg" : "flac"  // FLAC in Ogg
        case .oggVorbis, .oggOpus: return "ogg"
        case .mp3: return "mp3"
        case .m4a: return "mov"
        case .aac: return "aac"
        case .webm: return "matroska"
        }
    }

    /// The container of `data` judged by its magic bytes, or nil if unknown.
    public static func sniff(_ data: Data) -> AudioContainer? {
        let bytes = [UInt8](data.prefix(64))
        func matches(_ magic: String, at offset: Int = 0) -> Bool {
            let m = Array(magic.utf8)
            return bytes.count >= offset + m.count && Array(bytes[offset..<offset + m.count]) == m
        }
        let riff = matches("RIFF") || matches("RIFX") || matches("RF64")
        if riff && matches("WAVE", at: 8) { return .wav }
        // A RIFF header cut off before its form type: report it as a truncated WAV.
        if riff && bytes.count < 12 { return .wav }
        if matches("fLaC") { return .flac }
        if matches("OggS") {
            let head = [UInt8](data.prefix(512))
            if head.firstRange(of: Array("OpusHead".utf8)) != nil { return .oggOpus }
            if head.firstRange(of: Array("vorbis".utf8)) != nil { return .oggVorbis }
            if head.firstRange(of: Array("FLAC".utf8)) != nil { return .flac }  // FLAC in Ogg (ffmpeg reads it if libsndfile does not)
            return nil
        }
        if matches("ftyp", at: 4) { return .m4a }
        if bytes.count >= 4, bytes[0] == 0x1A, bytes[1] == 0x45, bytes[2] == 0xDF, bytes[3] == 0xA3 { return .webm }
        if matches("ID3") { return .mp3 }
        if bytes.count >= 2, bytes[0] == 0xFF {
            // MPEG audio frame sync: 11 set bits. Layer bits 00 with ADTS = AAC; 01 = layer III.
            let second = bytes[1]
            if second & 0xF6 == 0xF0 { return .aac }  // ADTS: sync + layer 00
            if second & 0xE0 == 0xE0, (second >> 1) & 0x3 != 0 { return .mp3 }
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Range of the first occurrence of `needle`.
    fileprivate func firstRange(of needle: [UInt8]) -> Range<Int>? {
        guard needle.count <= count else { return nil }
        for start in 0...(count - needle.count) where self[start..<start + needle.count].elementsEqual(needle) {
            return start..<start + needle.count
        }
        return nil
    }
}
