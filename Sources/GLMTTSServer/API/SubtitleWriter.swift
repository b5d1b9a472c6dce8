import Foundation
import GLMTTSEngine

/// SubRip (SRT) and WebVTT subtitles from a transcript's timed segments.
enum SubtitleWriter {
    /// The subtitle document.
    static func write(_ transcript: Transcript, vtt: Bool) -> String {
        var text = vtt ? "WEBVTT\n\n" : ""
        let segments =
            transcript.segments.isEmpty
            ? [TranscriptSegment(start: 0, end: transcript.duration, text: transcript.text)] : transcript.segments
        for (index, segment) in segments.enumerated() {
            if !vtt { text += "\(index + 1)\n" }
            text += "\(timestamp(segment.start, vtt: vtt)) --> \(timestamp(segment.end, vtt: vtt))\n"
            text += segment.text.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n"
        }
        return text
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
