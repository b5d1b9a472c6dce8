import Foundation

/// Turns an uploaded clip into a good cloning reference and reports on its quality.
///
/// Speech is found with Silero VAD (or, without that model, `EnergySpeechDetector`).
/// Leading and trailing silence is trimmed, keeping `padding` around the speech. When the
/// speech spans more than `maxWindow` seconds, the window is chosen on speech boundaries
/// (it starts where a segment starts and ends where one ends): the one with the most speech
/// that fits, with clipped samples counted against it. Blocking: run it on a
/// `BlockingExecutor`.
public enum ReferencePreparer {
    /// Recommended amount of speech, in seconds.
    public static let recommended = 3.0...15.0
    /// The longest window used for cloning.
    public static let maxWindow = 15.0
    /// Less speech than this cannot be used at all.
    public static let minimumSpeech = 1.0
    /// Silence kept before and after the speech.
    public static let padding = 0.15
    /// Fraction of clipped samples above which a warning is given.
    public static let clippingWarning = 0.001
    /// Speech RMS below this (dBFS) is "too quiet".
    public static let lowLevelWarning = -35.0
    /// SNR below this (dB) is "noisy".
    public static let noiseWarning = 15.0
    /// A sample at or beyond this magnitude counts as clipped.
    static let clipLevel: Float = 0.999

    /// The quality report of `audio` without preparing it; never throws for a clip without
    /// speech (it reports that as a warning). Throws only for an empty clip.
    public static func analyze(_ audio: AudioBuffer, vad: VoiceActivityDetector?) throws -> ReferenceQualityReport {
        guard !audio.samples.isEmpty else { throw ReferenceError.empty }
        let (segments, detector) = try detect(audio, vad: vad)
        return report(audio, segments: segments, window: chooseWindow(segments, duration: audio.duration), detector: detector)
    }

    /// The best window of `audio`, resampled to `targetSampleRate` if given, with its report.
    /// Throws `ReferenceError.noSpeech` / `.tooShort` when the clip cannot be used.
    public static func prepare(_ audio: AudioBuffer, targetSampleRate: Int? = nil, vad: VoiceActivityDetector?) throws -> PreparedReference {
        guard !audio.samples.isEmpty else { throw ReferenceError.empty }
        let (segments, detector) = try detect(audio, vad: vad)
        guard let window = chooseWindow(segments, duration: audio.duration) else { throw ReferenceError.noSpeech }
        let speech = segments.reduce(0) { $0 + $1.duration }
        guard speech >= minimumSpeech else { throw ReferenceError.tooShort(speechSeconds: speech, minimum: minimumSpeech) }
        let report = report(audio, segments: segments, window: window, detector: detector)
        let first = max(Int(window.start * Double(audio.sampleRate)), 0)
        let last = min(Int(window.end * Double(audio.sampleRate)), audio.samples.count)
        var clip = AudioBuffer(samples: Array(audio.samples[first..<max(first, last)]), sampleRate: audio.sampleRate)
        if let targetSampleRate { clip = try Resampler.resample(clip, to: targetSampleRate) }
        return PreparedReference(audio: clip, report: report)
    }

    private static func detect(_ audio: AudioBuffer, vad: VoiceActivityDetector?) throws -> ([SpeechSegment], String) {
        if let vad { return (try vad.speechSegments(in: audio), "silero-vad") }
        return (EnergySpeechDetector.speechSegments(in: audio), "energy")
    }

    /// The window to keep (padded, within the clip), or nil without speech.
    static func chooseWindow(_ segments: [SpeechSegment], duration: Double) -> SpeechSegment? {
        guard let first = segments.first, let last = segments.last else { return nil }
        func padded(_ start: Double, _ end: Double) -> SpeechSegment {
            SpeechSegment(start: max(0, start - padding), end: min(duration, end + padding))
        }
        if last.end - first.start <= maxWindow { return padded(first.start, last.end) }
        var best: (score: Double, start: Double, end: Double)?
        for i in segments.indices {
            var speech = 0.0
            for j in i..<segments.count {
                guard segments[j].end - segments[i].start <= maxWindow else { break }
                speech += segments[j].duration
                if best == nil || speech > best!.score { best = (speech, segments[i].start, segments[j].end) }
            }
        }
        if let best { return padded(best.start, best.end) }
        // One segment longer than the window: its first maxWindow seconds (not on a boundary).
        let longest = segments.max { $0.duration < $1.duration }!
        return padded(longest.start, longest.start + maxWindow)
    }

    private static func report(_ audio: AudioBuffer, segments: [SpeechSegment], window: SpeechSegment?, detector: String) -> ReferenceQualityReport {
        let duration = audio.duration
        let speech = segments.reduce(0) { $0 + $1.duration }
        let peak = audio.samples.reduce(Float(0)) { max($0, abs($1)) }
        let clipped = Double(audio.samples.filter { abs($0) >= clipLevel }.count) / Double(audio.samples.count)
        let levels = FrameLevels(audio)
        func isSpeech(_ frame: Int) -> Bool {
            let time = (Double(frame) + 0.5) * levels.frameSeconds
            return segments.contains { $0.start <= time && time < $0.end }
        }
        let speechFrames = levels.decibels.indices.filter(isSpeech).map { levels.decibels[$0] }
        var pauseFrames = levels.decibels.indices.filter { !isSpeech($0) }.map { levels.decibels[$0] }
        if pauseFrames.count < 5 {
            // Hardly any pauses: take the quietest tenth of all frames as the noise floor.
            pauseFrames = Array(levels.decibels.sorted().prefix(max(levels.decibels.count / 10, 1)))
        }
        func meanPower(_ decibels: [Double]) -> Double {
            Decibels.from(meanSquare: decibels.reduce(0) { $0 + pow(10, $1 / 10) } / Double(max(decibels.count, 1)))
        }
        let speechLevel = speechFrames.isEmpty ? Decibels.from(meanSquare: 0) : meanPower(speechFrames)
        let snr = speechFrames.isEmpty ? nil : speechLevel - meanPower(pauseFrames)

        var warnings: [ReferenceWarning] = []
        let oneDecimal = { (value: Double) in String(format: "%.1f", value) }
        if segments.isEmpty {
            warnings.append(ReferenceWarning(code: "reference.no_speech", message: "No speech was found; record 3–15 s of clear speech."))
        } else if speech < recommended.lowerBound {
            warnings.append(ReferenceWarning(code: "reference.short", message: "The clip has \(oneDecimal(speech)) s of speech; 3–15 s is recommended for a faithful clone."))
        }
        if let window, let first = segments.first, let last = segments.last, last.end - first.start > maxWindow {
            warnings.append(ReferenceWarning(code: "reference.long", message: "The clip is \(oneDecimal(duration)) s long; the best \(oneDecimal(window.duration)) s (\(oneDecimal(window.start))–\(oneDecimal(window.end)) s) will be used."))
        }
        if clipped > clippingWarning {
            warnings.append(ReferenceWarning(code: "reference.clipping", message: "Clipping in \(String(format: "%.1f", clipped * 100))% of samples; record at a lower level."))
        }
        if !segments.isEmpty, speechLevel < lowLevelWarning {
            warnings.append(ReferenceWarning(code: "reference.quiet", message: "The level is very low (\(Int(speechLevel.rounded())) dBFS RMS); record closer to the microphone."))
        }
        if let snr, snr < noiseWarning {
            warnings.append(ReferenceWarning(code: "reference.noisy", message: "Background noise is high (SNR about \(Int(snr.rounded())) dB); record in a quieter place."))
        }
        return ReferenceQualityReport(
            durationSeconds: duration, preparedSeconds: window?.duration ?? 0, speechSeconds: speech,
            speechRatio: duration > 0 ? speech / duration : 0, peakDBFS: Decibels.from(amplitude: Double(peak)),
            clippedFraction: clipped, rmsDBFS: speechLevel, snrDB: snr, sampleRate: audio.sampleRate,
            detector: detector, window: window, warnings: warnings)
    }
}
