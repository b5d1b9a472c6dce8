import Foundation
import GLMTTSEngine

/// SubRip (SRT) and WebVTT subtitles: from a transcript's timed segments, or from a job's
/// caption words (one cue per sentence, a long one cut at word boundaries).
enum SubtitleWriter {
    /// The most characters one caption cue shows: two lines of 42, the common broadcast limit.
    static let maxCueCharacters = 84

    /// The subtitle document of a transcript.
    static func write(_ transcript: Transcript, vtt: Bool) -> String {
        let segments =
            transcript.segments.isEmpty
            ? [TranscriptSegment(start: 0, end: transcript.duration, text: transcript.text)] : transcript.segments
        return write(segments.map { SubtitleCue(start: $0.start, end: $0.end, text: $0.text) }, vtt: vtt)
    }

    /// The subtitle document of `cues`, in order. Text is kept on one line, and WebVTT's
    /// markup characters (`&`, `<`, `>`) and SubRip's blank-line and `-->` separators cannot
    /// end a cue early.
    static func write(_ cues: [SubtitleCue], vtt: Bool) -> String {
        var text = vtt ? "WEBVTT\n\n" : ""
        for (index, cue) in cues.enumerated() {
            if !vtt { text += "\(index + 1)\n" }
            text += "\(timestamp(cue.start, vtt: vtt)) --> \(timestamp(max(cue.start, cue.end), vtt: vtt))\n"
            text += line(cue.text, vtt: vtt) + "\n\n"
        }
        return text
    }

    /// The cues of `captions`: each sentence's words, in pieces of at most
    /// `maxCueCharacters`, from the first word's start to the last one's end.
    static func cues(_ captions: Captions) -> [SubtitleCue] {
        var cues: [SubtitleCue] = []
        var words: [CaptionWord] = []
        func flush() {
            guard let first = words.first, let last = words.last else { return }
            cues.append(SubtitleCue(start: first.start, end: last.end, text: joined(words.map(\.text))))
            words = []
        }
        for word in captions.words {
            if let last = words.last,
                last.sentence != word.sentence || joined(words.map(\.text) + [word.text]).count > maxCueCharacters
            {
                flush()
            }
            words.append(word)
        }
        flush()
        return cues
    }

    /// Words as the text had them: a space between two words unless both sides are CJK
    /// (Chinese and Japanese words are characters, written without spaces).
    static func joined(_ words: [String]) -> String {
        var text = ""
        for word in words {
            if let previous = text.last, let next = word.first, !(isUnspaced(previous) && isUnspaced(next)) { text += " " }
            text += word
        }
        return text
    }

    /// Han, kana and CJK punctuation: no space on either side of them.
    private static func isUnspaced(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value else { return false }
        switch value {
        case 0x3000...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF00...0xFFEF, 0x20000...0x3134F: return true
        default: return false
        }
    }

    /// `text` on one line, safe inside a cue.
    private static func line(_ text: String, vtt: Bool) -> String {
        var line = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        line = line.replacingOccurrences(of: "-->", with: "->")
        if vtt {
            line = line.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        return line
    }

    /// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (VTT).
    static func timestamp(_ seconds: Double, vtt: Bool) -> String {
        let millis = Int((max(0, seconds) * 1000).rounded())
        let h = millis / 3_600_000
        let m = millis / 60_000 % 60
        let s = millis / 1000 % 60
        let ms = millis % 1000
        return String(format: "%02d:%02d:%02d", h, m, s) + (vtt ? "." : ",") + String(format: "%03d", ms)
    }
}
