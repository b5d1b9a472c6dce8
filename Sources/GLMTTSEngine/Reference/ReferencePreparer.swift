import Foundation

/// Turns an uploaded clip into a good cloning reference and reports on its quality.
///
/// Steps: validate the buffer; find speech with Silero VAD (`VoiceActivityDetector`) or,
/// when `vad` is nil, with `EnergySpeechDetector` (reported by a
/// `reference.energy_detector` warning); widen the segments to the sound around them
/// (`SpeechBoundaryRefiner`: Silero's starts can lag the first consonant); choose the window (`ReferenceWindowSelector`:
/// leading and trailing silence trimmed with `padding` kept, the best 3–15 s on speech
/// boundaries when the speech runs longer); measure the clip (`ReferenceSignal`: clipping
/// runs, speech level, noise from the pauses) and list warnings; cut the window and resample
/// it to the engine's rate.
///
/// Blocking (VAD inference, resampling): run it on a `BlockingExecutor`.
public enum ReferencePreparer {
    /// Recommended amount of speech, in seconds.
    public static let recommended = 3.0...15.0
    /// The longest window used for cloning (before padding), in seconds.
    public static let maxWindow = 15.0
    /// Windows shorter than this (in seconds) are only chosen when no longer one exists.
    public static let minimumWindow = 3.0
    /// Less speech than this (in seconds) cannot be used at all: `prepare` throws `tooShort`.
    public static let minimumSpeech = 1.0
    /// Silence kept before and after the speech, in seconds.
    public static let padding = 0.15
    /// A sample at or beyond this magnitude is at the rail.
    public static let clipLevel: Float = 0.999
    /// Samples at the rail count as clipped only in runs at least this long.
    public static let clippedRunLength = 3
    /// Fraction of clipped samples above which the `reference.clipping` warning is given (0.1 %).
    public static let clippingWarning = 0.001
    /// Speech RMS below this (dBFS) gives the `reference.quiet` warning.
    public static let lowLevelWarning = -35.0
    /// Levels at or below this (dBFS) are digital silence, not a quiet recording.
    public static let digitalSilence = -100.0
    /// Estimated SNR below this (dB) gives the `reference.noisy` warning.
    public static let noiseWarning = 15.0
    /// SNR estimates are capped here (dB); pauses of digital silence would be "infinite".
    public static let maximumSNR = 100.0
    /// Frames this close (seconds) to speech are not used to estimate the noise.
    public static let noiseGuard = 0.1
    /// Fewer pause frames than this (30 ms each) and the quietest 10 % of frames are used instead.
    public static let minimumNoiseFrames = 5
    /// Window scoring: this fraction of clipped samples halves a window's score.
    public static let clippingHalfScore = 0.01
    /// Window scoring: windows with at least this SNR (dB) are not penalised for noise.
    public static let goodSNR = 20.0

    /// The quality report of `audio` without preparing it.
    ///
    /// Never throws for a clip without speech or with too little speech: those are reported
    /// as warnings. Throws `ReferenceError.empty` / `.invalidSamples` and
    /// `AudioError.implausibleSampleRate` for buffers that cannot be measured at all.
    public static func analyze(_ audio: AudioBuffer, vad: VoiceActivityDetector?) throws -> ReferenceQualityReport {
        try validate(audio)
        let (signal, detector) = try measure(audio, vad: vad)
        return ReferenceQualityReport(signal: signal, choice: ReferenceWindowSelector.choose(signal), detector: detector)
    }

    /// The best window of `audio`, resampled to `targetSampleRate` if given, with its report.
    ///
    /// Throws `ReferenceError.empty` / `.invalidSamples` / `AudioError.implausibleSampleRate`
    /// for unusable buffers, `ReferenceError.tooShort` when the clip or the speech in the
    /// chosen window is shorter than `minimumSpeech`, and `ReferenceError.noSpeech` when no
    /// speech is found. 1–3 s of speech is accepted with a `reference.short` warning.
    public static func prepare(_ audio: AudioBuffer, targetSampleRate: Int? = nil, vad: VoiceActivityDetector?) throws -> PreparedReference
    {
        try validate(audio)
        guard audio.duration >= minimumSpeech else {
            throw ReferenceError.tooShort(speechSeconds: audio.duration, minimum: minimumSpeech)
        }
        let (signal, detector) = try measure(audio, vad: vad)
        guard let choice = ReferenceWindowSelector.choose(signal) else { throw ReferenceError.noSpeech }
        guard choice.speechSeconds >= minimumSpeech else {
            throw ReferenceError.tooShort(speechSeconds: choice.speechSeconds, minimum: minimumSpeech)
        }
        let report = ReferenceQualityReport(signal: signal, choice: choice, detector: detector)
        let rate = Double(audio.sampleRate)
        let first = min(max(Int((choice.window.start * rate).rounded()), 0), audio.samples.count)
        let last = min(max(Int((choice.window.end * rate).rounded()), first), audio.samples.count)
        var clip = AudioBuffer(samples: Array(audio.samples[first..<last]), sampleRate: audio.sampleRate)
        if let targetSampleRate { clip = try Resampler.resample(clip, to: targetSampleRate) }
        return PreparedReference(audio: clip, report: report, window: choice.window)
    }

    /// Rejects buffers that cannot be measured.
    private static func validate(_ audio: AudioBuffer) throws {
        guard !audio.samples.isEmpty else { throw ReferenceError.empty }
        guard AudioLimits.sampleRates.contains(audio.sampleRate) else {
            throw AudioError.implausibleSampleRate(audio.sampleRate)
        }
        let invalid = audio.samples.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        guard invalid == 0 else { throw ReferenceError.invalidSamples(count: invalid) }
    }

    /// The speech segments of `audio` (detected, then widened to the sound around them) and
    /// the measurements built on them.
    static func measure(_ audio: AudioBuffer, vad: VoiceActivityDetector?) throws -> (ReferenceSignal, SpeechDetectorKind) {
        let detected = try vad?.speechSegments(in: audio) ?? EnergySpeechDetector.speechSegments(in: audio)
        let segments = SpeechBoundaryRefiner.refine(detected, in: audio)
        return (ReferenceSignal(audio: audio, segments: segments), vad == nil ? .energy : .sileroVAD)
    }
}
