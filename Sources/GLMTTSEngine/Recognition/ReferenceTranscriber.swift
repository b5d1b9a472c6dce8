import Foundation

/// The auto-transcription rule shared by the CLI and the API: when a reference clip comes
/// without its text (and transcription is not skipped), transcribe it — but only pass on a
/// transcript the recognizer itself trusts.
///
/// A transcript is refused when the recognizer heard no speech (mean no-speech probability
/// above `maxNoSpeechProbability`), when its mean token log-probability is below
/// `minAverageLogProbability`, when it is mostly digits and symbols rather than words,
/// when it is repetitive (compression ratio above
/// `maxCompressionRatio`), or when a multilingual model detects a language it is not
/// installed for (English-only models get a stricter confidence bar instead, since they
/// cannot detect languages). Results are cached by a SHA-256 of the clip's samples, in memory and in
/// `cache` (a `TranscriptCache`) if it has a folder.
///
/// With a multilingual `identifier` (Whisper base), the clip's language is identified first
/// by that model: English goes to `recognizer` when it is English-only (tiny.en, with its
/// stricter bar), every other language to the identifier itself, told the language (so
/// Chinese comes back in Simplified characters). A clip whose language the identifier is
/// less than ``minLanguageProbability`` sure of is refused
/// (`TranscriptionError.languageUncertain`).
public actor ReferenceTranscriber {
    /// Whisper's own threshold for "no speech" segments.
    public static let maxNoSpeechProbability = 0.6
    /// Below this mean log-probability the transcript is a guess (Whisper's own fallback
    /// threshold is −1.0).
    public static let minAverageLogProbability = -1.0
    /// The stricter bar for English-only models, which cannot detect another language and
    /// instead transcribe it as confident-looking nonsense. Measured with whisper tiny.en:
    /// 22 clean English sentences from the Piper voice scored −0.22 to −0.60; Mandarin and
    /// German speech scored −0.85 to −1.10.
    public static let minAverageLogProbabilityEnglishOnly = -0.7
    /// Whisper's own hallucination threshold.
    public static let maxCompressionRatio = 2.4
    /// A transcript whose non-space characters are less than half letters is not words
    /// (tiny.en renders Mandarin as chains like "1-2-1-2-4-3").
    public static let minLetterShare = 0.5

    /// Below this probability of its likeliest language, the identifier is guessing.
    public static let minLanguageProbability = 0.5

    /// The recognizer used (for English, when an identifier is given).
    public nonisolated let recognizer: any SpeechRecognizer
    /// The multilingual model that identifies the language and transcribes all but English.
    public nonisolated let identifier: FasterWhisperRecognizer?
    private let cache: TranscriptCache
    private var memory: [String: Transcript] = [:]
    private var order: [String] = []
    private let memoryLimit = 256

    /// A transcriber over `recognizer` (and `identifier`, when given) that keeps what it
    /// transcribed in `cache` as well as in memory.
    public init(recognizer: any SpeechRecognizer, identifier: FasterWhisperRecognizer? = nil, cache: TranscriptCache = .memoryOnly) {
        self.recognizer = recognizer
        self.identifier = identifier
        self.cache = cache
    }

    /// A trusted transcript of `clip`, or a `TranscriptionError` saying why there is none.
    public func transcribe(_ clip: AudioBuffer) async throws -> Transcript {
        let key = try Self.contentKey(clip)
        if let cached = memory[key] ?? cache.read(key, recognizers: recognizerKey) {
            remember(key, cached)
            return try check(cached)
        }
        let transcript = try await recognize(clip)
        remember(key, transcript)
        cache.write(transcript, for: key, recognizers: recognizerKey)
        return try check(transcript)
    }

    /// The transcript of `clip` by the recognizer its language calls for.
    private func recognize(_ clip: AudioBuffer) async throws -> Transcript {
        guard let identifier else { return try await recognizer.transcribe(clip) }
        let guess = try await identifier.identifyLanguage(clip)
        guard guess.probability >= Self.minLanguageProbability else {
            throw TranscriptionError.languageUncertain(recognizer: identifier.id, language: guess.language, probability: guess.probability)
        }
        var transcript = try await judge(forLanguage: guess.language).transcribe(clip, language: guess.language)
        transcript.language = guess.language
        transcript.languageProbability = guess.probability
        return transcript
    }

    /// The recognizer that transcribes (and whose bar applies to) speech in `language`.
    private nonisolated func judge(forLanguage language: String?) -> any SpeechRecognizer {
        guard let identifier else { return recognizer }
        return language == "en" && recognizer.capabilities.englishOnly ? recognizer : identifier
    }

    /// Applies the reliability rules (see the type's documentation) of the recognizer that
    /// made `transcript`.
    public nonisolated func check(_ transcript: Transcript) throws -> Transcript {
        let recognizer = judge(forLanguage: transcript.language)
        let name = recognizer.id
        let spoken = transcript.segments.filter { !$0.text.isEmpty }
        guard !transcript.text.isEmpty, !spoken.isEmpty else { throw TranscriptionError.noSpeech(recognizer: name) }
        func weightedMean(_ value: (TranscriptSegment) -> Double?) -> Double? {
            let pairs = spoken.compactMap { segment in value(segment).map { ($0, max(segment.end - segment.start, 0.01)) } }
            guard !pairs.isEmpty else { return nil }
            return pairs.reduce(0) { $0 + $1.0 * $1.1 } / pairs.reduce(0) { $0 + $1.1 }
        }
        if let noSpeech = weightedMean(\.noSpeechProbability), noSpeech > Self.maxNoSpeechProbability {
            throw TranscriptionError.noSpeech(recognizer: name)
        }
        let visible = transcript.text.filter { !$0.isWhitespace }
        let letterShare = Double(visible.filter(\.isLetter).count) / Double(max(visible.count, 1))
        if letterShare < Self.minLetterShare {
            throw TranscriptionError.notWords(recognizer: name, letterShare: letterShare)
        }
        if let ratio = spoken.compactMap(\.compressionRatio).max(), ratio > Self.maxCompressionRatio {
            throw TranscriptionError.repetitive(recognizer: name, compressionRatio: ratio)
        }
        let floor = recognizer.capabilities.englishOnly ? Self.minAverageLogProbabilityEnglishOnly : Self.minAverageLogProbability
        if let logProbability = weightedMean(\.averageLogProbability), logProbability < floor {
            throw TranscriptionError.lowConfidence(
                recognizer: name, averageLogProbability: logProbability,
                englishOnly: recognizer.capabilities.englishOnly)
        }
        if !recognizer.capabilities.englishOnly, let language = transcript.language,
            !recognizer.capabilities.languages.contains("*"), !recognizer.capabilities.languages.contains(language)
        {
            throw TranscriptionError.unsupportedLanguage(recognizer: name, language: language)
        }
        return transcript
    }

    /// SHA-256 of the clip's sample rate and samples, hex.
    static func contentKey(_ clip: AudioBuffer) throws -> String {
        var hasher = SHA256()
        withUnsafeBytes(of: Int64(clip.sampleRate).littleEndian) { hasher.update(bytes: $0) }
        clip.samples.withUnsafeBytes { hasher.update(bytes: $0) }
        return hasher.finalizeHex()
    }

    private func remember(_ key: String, _ transcript: Transcript) {
        if memory[key] == nil { order.append(key) }
        memory[key] = transcript
        if order.count > memoryLimit { memory[order.removeFirst()] = nil }
    }

    /// The recognizers a cached transcript is filed under: `<recognizer>[+<identifier>]`.
    private nonisolated var recognizerKey: String {
        recognizer.id + (identifier.map { "+\($0.id)" } ?? "")
    }
}
