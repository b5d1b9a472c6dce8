import Foundation

extension ReferenceQualityReport {
    /// Measures `signal` and lists the warnings its numbers call for (thresholds on
    /// `ReferencePreparer`).
    init(signal: ReferenceSignal, choice: ReferenceWindowSelector.Choice?, detector: SpeechDetectorKind) {
        let audio = signal.audio
        let duration = audio.duration
        let speech = signal.speechSeconds
        let clipped = audio.samples.isEmpty ? 0 : Double(signal.clippedSamples) / Double(audio.samples.count)
        let level = Decibels.from(meanSquare: signal.speechMeanSquare)
        let snr = signal.snr(speechMeanSquare: signal.speechMeanSquare)
        func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

        var warnings: [ReferenceWarning] = []
        if let choice {
            if choice.speechSeconds < ReferencePreparer.recommended.lowerBound {
                warnings.append(
                    ReferenceWarning(
                        code: .short,
                        message:
                            "The clip has \(fixed(choice.speechSeconds)) s of speech; 3–15 s is recommended for a faithful clone."))
            }
            if choice.isPartial {
                warnings.append(
                    ReferenceWarning(
                        code: .long,
                        message:
                            "The clip is \(fixed(duration)) s long with \(fixed(speech)) s of speech; the best \(fixed(choice.window.duration)) s "
                            + "(\(fixed(choice.window.start))–\(fixed(choice.window.end)) s) is used. Upload 3–15 s to choose it yourself.")
                )
            }
        } else {
            warnings.append(
                ReferenceWarning(
                    code: .noSpeech,
                    message:
                        "No speech was found in the clip; record 3–15 s of clear speech."))
        }
        if clipped > ReferencePreparer.clippingWarning {
            warnings.append(
                ReferenceWarning(
                    code: .clipping,
                    message:
                        "Clipping in \(String(format: "%.1f", clipped * 100))% of samples; record at a lower level."))
        }
        if level < ReferencePreparer.lowLevelWarning, level > ReferencePreparer.digitalSilence {
            warnings.append(
                ReferenceWarning(
                    code: .quiet,
                    message:
                        "The level is very low (\(Int(level.rounded())) dBFS RMS); record closer to the microphone."))
        }
        if let snr, snr < ReferencePreparer.noiseWarning {
            warnings.append(
                ReferenceWarning(
                    code: .noisy,
                    message:
                        "Background noise is high (SNR about \(Int(snr.rounded())) dB); record in a quieter place."))
        }
        if detector == .energy {
            warnings.append(
                ReferenceWarning(
                    code: .energyDetector,
                    message:
                        "Speech was located by signal energy because the Silero voice activity detector is not available; "
                        + "trimming is less precise. Run scripts/prepare-models to install silero-vad."))
        }

        self.init(
            durationSeconds: duration, preparedSeconds: choice?.window.duration ?? 0, speechSeconds: speech,
            windowSpeechSeconds: choice?.speechSeconds ?? 0, speechRatio: duration > 0 ? speech / duration : 0,
            peakDBFS: Decibels.from(amplitude: Double(signal.peak)), clippedFraction: clipped, rmsDBFS: level,
            snrDB: snr, sampleRate: audio.sampleRate, detector: detector, window: choice?.window, warnings: warnings)
    }
}
