import Foundation

/// Chooses the part of a clip to clone from.
///
/// - When all speech fits in `ReferencePreparer.maxWindow` seconds, the window is the speech
///   span (first segment's start to last segment's end).
/// - Otherwise every window that starts where a segment starts and ends where a segment ends
///   and spans at most `maxWindow` is a candidate. A single segment longer than `maxWindow`
///   (possible up to the VAD's 20 s limit) adds one candidate: its first `maxWindow` seconds,
///   which starts on a boundary but cannot end on one.
///
/// Scoring: every second of speech counts by its quality. A window's score is the sum over
/// its segments of `seconds × clipFactor × snrFactor`, where, per segment,
/// - `clipFactor = 1 / (1 + f / ReferencePreparer.clippingHalfScore)` with f the fraction of
///   clipped samples (1 % clipped halves the segment's worth);
/// - `snrFactor = clamp(snr / ReferencePreparer.goodSNR, 0.1, 1)` with snr the segment's
///   level over the clip's noise estimate (20 dB or better is not penalised).
///
/// Windows spanning at least `ReferencePreparer.minimumWindow` seconds always beat shorter
/// ones; among equals the earlier window wins. So a clean clip gets the window with the
/// most speech, and a clip that is clipped or noisy in places gets its cleanest stretch.
///
/// The window is then padded by up to `ReferencePreparer.padding` seconds each side, but
/// never more than half the pause to a neighbouring segment left out of the window (no
/// fragment of another word is included) and never beyond the clip.
enum ReferenceWindowSelector {
    /// A chosen window.
    struct Choice: Equatable {
        /// The padded window, in seconds of the clip.
        var window: SpeechSegment
        /// Seconds of speech inside the window.
        var speechSeconds: Double
        /// Whether the speech span was longer than `maxWindow` (so speech was left out).
        var isPartial: Bool
    }

    /// The best window of `signal`, or nil when it has no speech.
    static func choose(_ signal: ReferenceSignal) -> Choice? {
        let segments = signal.segments
        guard let first = segments.first, let last = segments.last else { return nil }
        let duration = signal.audio.duration
        if last.end - first.start <= ReferencePreparer.maxWindow {
            let window = SpeechSegment(
                start: max(0, first.start - ReferencePreparer.padding),
                end: min(duration, last.end + ReferencePreparer.padding))
            return Choice(window: window, speechSeconds: signal.speechSeconds, isPartial: false)
        }

        struct Candidate {
            var span: SpeechSegment
            var speech: Double
            var score: Double
            var first: Int
            var last: Int
            var truncated: Bool
            var isLongEnough: Bool { span.duration >= ReferencePreparer.minimumWindow }
            func beats(_ other: Candidate) -> Bool {
                if isLongEnough != other.isLongEnough { return isLongEnough }
                return score > other.score
            }
        }
        var best: Candidate?
        func consider(_ candidate: Candidate) {
            if best.map({ candidate.beats($0) }) ?? true { best = candidate }
        }

        let worth = segments.indices.map { j in
            score(
                signal, seconds: segments[j].duration, sumSquares: signal.segmentSumSquares[j],
                samples: signal.segmentRanges[j].count, clipped: signal.segmentClipped[j])
        }
        for i in segments.indices {
            var speech = 0.0
            var total = 0.0
            for j in i..<segments.count {
                guard segments[j].end - segments[i].start <= ReferencePreparer.maxWindow else { break }
                speech += segments[j].duration
                total += worth[j]
                let span = SpeechSegment(start: segments[i].start, end: segments[j].end)
                consider(Candidate(span: span, speech: speech, score: total, first: i, last: j, truncated: false))
            }
            if segments[i].duration > ReferencePreparer.maxWindow {
                let span = SpeechSegment(start: segments[i].start, end: segments[i].start + ReferencePreparer.maxWindow)
                let lower = signal.segmentRanges[i].lowerBound
                let range =
                    lower..<min(
                        lower + Int(ReferencePreparer.maxWindow * Double(signal.audio.sampleRate)),
                        signal.segmentRanges[i].upperBound)
                let measured = signal.measure(range)
                consider(
                    Candidate(
                        span: span, speech: span.duration,
                        score: score(
                            signal, seconds: span.duration, sumSquares: measured.sumSquares,
                            samples: range.count, clipped: measured.clipped),
                        first: i, last: i, truncated: true))
            }
        }
        guard let best else { return nil }

        let before = best.first > 0 ? (segments[best.first].start - segments[best.first - 1].end) / 2 : .infinity
        let after =
            best.truncated
            ? 0
            : best.last + 1 < segments.count ? (segments[best.last + 1].start - segments[best.last].end) / 2 : .infinity
        let window = SpeechSegment(
            start: max(0, best.span.start - min(ReferencePreparer.padding, max(before, 0))),
            end: min(duration, best.span.end + min(ReferencePreparer.padding, max(after, 0))))
        return Choice(window: window, speechSeconds: best.speech, isPartial: true)
    }

    /// The documented worth of `seconds` of speech with these measurements.
    static func score(_ signal: ReferenceSignal, seconds: Double, sumSquares: Double, samples: Int, clipped: Int) -> Double {
        guard samples > 0 else { return 0 }
        let clippedFraction = Double(clipped) / Double(samples)
        let clipFactor = 1 / (1 + clippedFraction / ReferencePreparer.clippingHalfScore)
        let snrFactor =
            signal.snr(speechMeanSquare: sumSquares / Double(samples))
            .map { min(max($0 / ReferencePreparer.goodSNR, 0.1), 1) } ?? 1
        return seconds * clipFactor * snrFactor
    }
}
