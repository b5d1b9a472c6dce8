import Foundation

/// Checks each synthesised sentence and asks for another take of one that fails.
///
/// A take is transcribed by the recognizer for the sentence's language (with word
/// timestamps, which then time the job's captions) and scored: word error rate against the
/// text (characters for Chinese and Japanese; both sides reduced to their letters and
/// digits, the way `CaptionWordSplitter.key` does), silence, clipping, its length against
/// the length the text usually takes at the requested speed (words skipped or repeated), and
/// — for cloned output — speaker similarity to the reference. A take that fails a threshold
/// is made again (another seed when one was given; engines that draw fresh noise per call
/// differ anyway) up to `VerificationThresholds.maxAttempts` takes; the best take is kept.
/// Without a recognizer for the language, the text is not checked (and `heard` is nil).
public actor SpeechVerifier {
    private let registry: EngineRegistry
    /// The thresholds applied.
    public nonisolated let thresholds: VerificationThresholds
    private let speaker: (encoder: SpeakerEncoder, reference: [Double])?
    private var recognizers: [String: (any SpeechRecognizer)?] = [:]

    /// A verifier with `registry`'s recognizers; `speaker` (an encoder and the reference's
    /// embedding) checks the voice of cloned takes.
    public init(
        registry: EngineRegistry, thresholds: VerificationThresholds = VerificationThresholds(),
        speaker: (encoder: SpeakerEncoder, reference: [Double])? = nil
    ) {
        self.registry = registry
        self.thresholds = thresholds
        self.speaker = speaker
    }

    /// Verifies sentence `index` (`text`, first take `take`), asking `retake(n)` for take n + 1
    /// while it fails; returns the take kept, its report and its heard words (relative to the
    /// take). `note` hears a line for progress after every take.
    func verify(
        _ take: AudioBuffer, text: String, index: Int, language: String?, speed: Double,
        retake: (Int) async throws -> AudioBuffer, note: (String) -> Void
    ) async throws -> (AudioBuffer, SentenceVerification, [TranscriptWord]?) {
        var current = take
        var best: (audio: AudioBuffer, score: TakeScore)?
        var checkSeconds = 0.0
        var retakeSeconds = 0.0
        var attempts = 0
        while true {
            attempts += 1
            let started = ContinuousClock.now
            let score = try await self.score(current, text: text, language: language, speed: speed)
            checkSeconds += (ContinuousClock.now - started).inSeconds
            if best.map({ score.isBetter(than: $0.score) }) ?? true { best = (current, score) }
            if score.passed || attempts >= thresholds.maxAttempts {
                note(Self.summary(index: index, score: best?.score ?? score, attempts: attempts, last: true))
                break
            }
            note(
                Self.summary(index: index, score: score, attempts: attempts, last: false)
                    + "; take \(attempts + 1) of \(thresholds.maxAttempts)")
            let retakeStarted = ContinuousClock.now
            current = try await retake(attempts)
            retakeSeconds += (ContinuousClock.now - retakeStarted).inSeconds
        }
        guard let best else { throw CancellationError() }
        let report = SentenceVerification(
            index: index, text: text, attempts: attempts, passed: best.score.passed, failures: best.score.failures,
            heard: best.score.heard, errorRate: best.score.errorRate, errorRateCountsCharacters: best.score.countsCharacters,
            speakerSimilarity: best.score.speakerSimilarity, durationRatio: best.score.durationRatio,
            checkSeconds: checkSeconds, retakeSeconds: retakeSeconds)
        return (best.audio, report, best.score.words)
    }

    /// One line for progress: what take `attempts` of sentence `index` scored.
    static func summary(index: Int, score: TakeScore, attempts: Int, last: Bool) -> String {
        let errors = score.errorRate.map { String(format: "error rate %.2f", $0) } ?? "text not checked"
        if score.passed { return "sentence \(index + 1) verified (\(errors), take \(attempts))" }
        let what = score.failures.map(\.rawValue).joined(separator: ", ")
        return last
            ? "sentence \(index + 1) still fails \(what) after \(attempts) takes (\(errors)); the best take is kept"
            : "sentence \(index + 1) failed \(what) (\(errors))"
    }

    /// The scores of `take` of `text`.
    func score(_ take: AudioBuffer, text: String, language: String?, speed: Double) async throws -> TakeScore {
        var failures: [VerificationFailure] = []
        let (peak, clipped) = Self.levels(take)
        if peak < 0.01 { failures.append(.silence) }
        if clipped > thresholds.maxClippedFraction { failures.append(.clipping) }
        let sentenceLanguage = TextLanguageDetector.language(of: text) ?? language
        let ratio = take.duration / Self.usualSeconds(of: text, language: sentenceLanguage, speed: speed)
        if !thresholds.durationRatio.contains(ratio) { failures.append(.duration) }
        let countsCharacters = Self.countsCharacters(text)
        var heard: String?
        var errorRate: Double?
        var words: [TranscriptWord]?
        if let recognizer = try await recognizer(for: sentenceLanguage), !take.samples.isEmpty {
            let transcript = try await recognizer.transcribeTimingWords(take, language: sentenceLanguage)
            heard = transcript.text
            words = recognizer.timesWords ? transcript.segments.flatMap { $0.words ?? [] } : nil
            let rate = Self.errorRate(text: text, heard: transcript.text, characters: countsCharacters)
            errorRate = rate
            if rate > thresholds.maxErrorRate { failures.append(.text) }
        }
        var similarity: Double?
        if let speaker, !failures.contains(.silence) {
            if let embedding = try? await speaker.encoder.embedding(of: take) {
                similarity = SpeakerEncoder.cosine(embedding, speaker.reference)
            }
            if let similarity, similarity < thresholds.minSpeakerSimilarity { failures.append(.speaker) }
        }
        return TakeScore(
            failures: failures, heard: heard, errorRate: errorRate, countsCharacters: countsCharacters,
            speakerSimilarity: similarity, durationRatio: ratio, words: words)
    }

    /// The recognizers that checked takes ("whisper-tiny.en", or several joined with "+");
    /// nil when none did.
    public func recognizerIDs() -> String? {
        let ids = Set(recognizers.values.compactMap { $0?.id }).sorted()
        return ids.isEmpty ? nil : ids.joined(separator: "+")
    }

    /// The recognizer that hears `language` (nil: the default one's), cached; nil when none does.
    private func recognizer(for language: String?) async throws -> (any SpeechRecognizer)? {
        let key = language ?? ""
        if let known = recognizers[key] { return known }
        var found: (any SpeechRecognizer)?
        do {
            if let language {
                let candidate = try await registry.recognizer(forLanguage: language)
                if LanguageCode.covers(candidate.capabilities.languages, language) { found = candidate }
            } else {
                found = try await registry.recognizer()
            }
        } catch TranscriptionError.noRecognizer {
            found = nil
        }
        recognizers[key] = found
        return found
    }

    /// Peak level and the fraction of samples at full scale.
    static func levels(_ audio: AudioBuffer) -> (peak: Float, clipped: Double) {
        var peak: Float = 0
        var clipped = 0
        for sample in audio.samples {
            let level = abs(sample)
            peak = max(peak, level)
            if level >= 0.999 { clipped += 1 }
        }
        return (peak, audio.samples.isEmpty ? 0 : Double(clipped) / Double(audio.samples.count))
    }

    /// Seconds `text` usually takes in `language` at `speed`: its letters and digits at the
    /// language's rate, measured on this project's voices (English about 15 per second,
    /// Japanese 6–7, Chinese 4–5), pauses included.
    static func usualSeconds(of text: String, language: String?, speed: Double) -> Double {
        let perCharacter: Double
        switch language.map(LanguageCode.primary) {
        case "zh": perCharacter = 0.22
        case "ja": perCharacter = 0.15
        case "ko": perCharacter = 0.16
        default: perCharacter = 0.068
        }
        let characters = CaptionWordSplitter.key(text).count
        return max(0.3, Double(characters) * perCharacter / max(0.25, speed))
    }

    /// Whether errors are counted in characters: the text has Han or kana.
    static func countsCharacters(_ text: String) -> Bool {
        text.contains(where: CaptionWordSplitter.isSpokenAlone)
    }

    /// Edits (substitutions, deletions, insertions) from `text` to `heard` over `text`'s
    /// length, in words or characters of their letters and digits.
    static func errorRate(text: String, heard: String, characters: Bool) -> Double {
        func tokens(_ string: String) -> [String] {
            characters
                ? CaptionWordSplitter.key(string).map(String.init)
                : string.split(whereSeparator: \.isWhitespace).map { String(CaptionWordSplitter.key(String($0))) }.filter { !$0.isEmpty }
        }
        let reference = tokens(text)
        let hypothesis = tokens(heard)
        guard !reference.isEmpty else { return hypothesis.isEmpty ? 0 : 1 }
        var row = Array(0...hypothesis.count)
        for (i, word) in reference.enumerated() {
            var previous = row[0]
            row[0] = i + 1
            for (j, other) in hypothesis.enumerated() {
                let current = row[j + 1]
                row[j + 1] = min(row[j + 1] + 1, row[j] + 1, previous + (word == other ? 0 : 1))
                previous = current
            }
        }
        return Double(row[hypothesis.count]) / Double(reference.count)
    }
}
