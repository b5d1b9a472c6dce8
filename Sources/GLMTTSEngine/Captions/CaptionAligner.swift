import Foundation

/// Times every word of a job's text in its audio, for captions and read-along.
///
/// The whole audio is transcribed once, with word timestamps, by the recognizer for the
/// text's language; each heard word goes to the sentence whose exact span (from the engine's
/// chunks) holds its middle; `WordAligner` maps the heard words onto the input's words within
/// each sentence. When no installed recognizer can time words in the language, or the
/// recognizer fails, the words are spread over each sentence's speech (its span without the
/// silence at either end) in proportion to their length, and `Captions.estimatedBecause`
/// says why.
public struct CaptionAligner: Sendable {
    /// Where the recognizers come from.
    public let registry: EngineRegistry

    public init(registry: EngineRegistry) {
        self.registry = registry
    }

    /// The captions of `audio`, which speaks `sentences` (in order, spans in seconds) in
    /// `language` (a primary code; nil: the default recognizer's language).
    public func captions(of audio: AudioBuffer, sentences: [SpokenSentence], language: String?) async throws -> Captions {
        let started = ContinuousClock.now
        var heard: [TranscriptWord]?
        var recognizerID: String?
        var reason: String?
        do {
            let recognizer: any SpeechRecognizer
            if let language {
                recognizer = try await registry.recognizer(forLanguage: language)
            } else {
                recognizer = try await registry.recognizer()
            }
            if let language, !LanguageCode.covers(recognizer.capabilities.languages, language) {
                reason = "no installed recognizer hears \(LanguageCode.name(language)) (\(recognizer.id) does not)"
            } else if !recognizer.timesWords {
                reason = "the recognizer \(recognizer.id) does not time words"
            } else {
                let transcript = try await recognizer.transcribeTimingWords(audio, language: language)
                heard = transcript.segments.flatMap { $0.words ?? [] }
                recognizerID = recognizer.id
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            reason = "the recognizer failed: \((error as? GLMTTSError)?.message ?? "\(error)")"
        }
        return Self.align(
            audio, sentences: sentences, heard: heard, recognizer: recognizerID, estimatedBecause: reason,
            seconds: (ContinuousClock.now - started).inSeconds)
    }

    /// Captions from words already heard (absolute times; nil: none, every word estimated),
    /// as `captions(of:sentences:language:)` makes them after its transcription.
    public static func align(
        _ audio: AudioBuffer, sentences: [SpokenSentence], heard: [TranscriptWord]?, recognizer: String?,
        estimatedBecause reason: String?, seconds: Double
    ) -> Captions {
        var words: [CaptionWord] = []
        for (index, sentence) in sentences.enumerated() {
            let pieces = CaptionWordSplitter.split(sentence.text)
            let speech = speechSpan(of: audio, within: sentence)
            if let heard {
                let inside = heard.filter { word in
                    let middle = (word.start + word.end) / 2
                    return middle >= sentence.start && (middle < sentence.end || index == sentences.count - 1)
                }
                words += WordAligner.align(pieces, sentence: index, speech: speech, heard: inside)
            } else {
                words += WordAligner.spread(pieces, sentence: index, speech: speech)
            }
        }
        return Captions(
            words: words, sentences: sentences, duration: audio.duration, recognizer: recognizer,
            estimatedBecause: reason, alignmentSeconds: seconds)
    }

    /// The part of `sentence`'s span that is not silence at either end: from the first to the
    /// last 10 ms frame whose RMS is within 30 dB of the loudest frame of the sentence.
    static func speechSpan(of audio: AudioBuffer, within sentence: SpokenSentence) -> ClosedRange<Double> {
        let rate = Double(audio.sampleRate)
        let first = max(0, min(audio.samples.count, Int((sentence.start * rate).rounded())))
        let last = max(first, min(audio.samples.count, Int((sentence.end * rate).rounded())))
        let frame = max(1, audio.sampleRate / 100)
        var levels: [Float] = []
        var position = first
        while position < last {
            let end = min(last, position + frame)
            var energy: Float = 0
            for sample in audio.samples[position..<end] { energy += sample * sample }
            levels.append(energy / Float(end - position))
            position = end
        }
        guard let loudest = levels.max(), loudest > 0 else { return sentence.start...max(sentence.start, sentence.end) }
        let threshold = loudest / 1000  // 30 dB below, in energy
        let onset = levels.firstIndex { $0 >= threshold } ?? 0
        let offset = levels.lastIndex { $0 >= threshold } ?? (levels.count - 1)
        let start = Double(first + onset * frame) / rate
        let end = min(sentence.end, Double(first + (offset + 1) * frame) / rate)
        return start...max(start, end)
    }
}
