import CEspeakNG
import Foundation

/// Turns text into IPA phonemes with espeak-ng, the way Piper voices were trained.
///
/// `espeak_TextToPhonemes` returns one clause at a time and drops the clause's
/// punctuation; Piper's models expect it (it shapes prosody), so the punctuation is
/// re-attached from the text each call consumed. Sentences end at `.`, `!`, `?`.
/// The result is NFD-decomposed, as piper-phonemize produces it.
public struct EspeakPhonemizer: Sendable {
    /// espeak voice used for phonemization (`en-us`, …).
    public let voice: String

    /// Creates a phonemizer for an espeak voice name.
    public init(voice: String) {
        self.voice = voice
    }

    /// Punctuation re-attached after a clause.
    static let clausePunctuation: Set<Character> = [".", "!", "?", ",", ";", ":"]
    /// Punctuation that ends a sentence.
    static let sentenceEnders: Set<Character> = [".", "!", "?"]

    /// IPA phonemes of `text`, one string per sentence (blocking; takes the espeak lock).
    public func phonemize(_ text: String) throws -> [String] {
        try EspeakRuntime.shared.withLock { _ in
            try EspeakRuntime.shared.selectVoice(voice)
            return phonemizeLocked(text)
        }
    }

    private func phonemizeLocked(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        let bytes = Array(text.utf8) + [0]
        bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            var cursor: UnsafeRawPointer? = base
            while let start = cursor, start.load(as: UInt8.self) != 0 {
                var pointer: UnsafeRawPointer? = start
                let phonemes = withUnsafeMutablePointer(to: &pointer) { pointerToPointer in
                    espeak_TextToPhonemes(pointerToPointer, espeakCHARS_UTF8, 0x02 /* IPA */)
                }
                let end = pointer ?? base.advanced(by: buffer.count - 1)
                let consumed = String(decoding: UnsafeRawBufferPointer(start: start, count: end - start), as: UTF8.self)
                var clause = phonemes.map { String(cString: $0) } ?? ""
                clause = clause.trimmingCharacters(in: .whitespaces)
                let punctuation = Self.trailingPunctuation(of: consumed, readAhead: pointer != nil)
                if let punctuation { clause.append(punctuation) }
                if !clause.isEmpty {
                    if !current.isEmpty { current.append(" ") }
                    current.append(clause)
                }
                if let punctuation, Self.sentenceEnders.contains(punctuation), !current.isEmpty {
                    sentences.append(current)
                    current = ""
                }
                cursor = pointer
                if pointer == nil || end == start { break }
            }
        }
        if !current.isEmpty { sentences.append(current) }
        return sentences.map { $0.decomposedStringWithCanonicalMapping }
    }

    /// The clause punctuation that ends `consumed`. espeak reads one character past the
    /// clause before it stops (`readAhead`), so that character is dropped first; then
    /// whitespace and closing quotes or brackets are skipped.
    static func trailingPunctuation(of consumed: String, readAhead: Bool) -> Character? {
        var text = Substring(consumed)
        if readAhead, !text.isEmpty { text = text.dropLast() }
        let closers: Set<Character> = ["\"", "'", ")", "]", "}", "»", "”", "’"]
        while let last = text.last, last.isWhitespace || closers.contains(last) {
            text = text.dropLast()
        }
        guard let last = text.last, clausePunctuation.contains(last) else { return nil }
        return last
    }
}
