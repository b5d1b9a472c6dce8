import Foundation

/// Turns text into ZipVoice tokens the way ZipVoice's Emilia tokenizer does, for
/// sherpa-onnx's `GenerationConfig.tokens` path.
///
/// Why: sherpa-onnx 2.0 dropped espeak-ng, and its ZipVoice text path only looks words up
/// in `lexicon.txt` (the published pack's lexicon covers Chinese only), so English words are
/// silently skipped. ZipVoice's vocabulary is pinyin initials (`zh0`) and finals with tone
/// (`ong1`) for Chinese and single IPA codepoints from espeak-ng (`en-us`) for everything
/// else, plus punctuation. This tokenizer produces that: Chinese runs by longest match in
/// the lexicon, other runs through `EspeakPhonemizer`, and drops tokens the model's
/// `tokens.txt` does not know. UNVERIFIED HERE against real weights.
public struct ZipVoiceTokenizer: Sendable {
    /// Every token in the model's `tokens.txt`.
    public let vocabulary: Set<String>
    /// Chinese word or character → its tokens (from `lexicon.txt`).
    public let lexicon: [String: [String]]
    /// The longest lexicon key, in characters.
    public let maxPhraseLength: Int
    /// Phonemizer for non-Chinese text.
    public let phonemizer: EspeakPhonemizer

    /// A tokenizer from parsed vocabulary and lexicon.
    public init(vocabulary: Set<String>, lexicon: [String: [String]], espeakVoice: String) {
        self.vocabulary = vocabulary
        self.lexicon = lexicon
        maxPhraseLength = lexicon.keys.map(\.count).max() ?? 1
        phonemizer = EspeakPhonemizer(voice: espeakVoice)
    }

    /// A tokenizer from a model's `tokens.txt` and optional `lexicon.txt`. Throws
    /// `ModelError.loadFailed` when a file is unreadable or `tokens.txt` holds no token.
    public init(tokensFile: URL, lexiconFile: URL?, espeakVoice: String, modelID: String) throws {
        func read(_ url: URL) throws -> String {
            do { return try String(contentsOf: url, encoding: .utf8) } catch {
                throw ModelError.loadFailed(model: modelID, reason: "'\(url.lastPathComponent)' is not readable UTF-8 text")
            }
        }
        let vocabulary = Self.parseTokens(try read(tokensFile))
        guard !vocabulary.isEmpty else {
            throw ModelError.loadFailed(
                model: modelID, reason: "'\(tokensFile.lastPathComponent)' lists no tokens (expected lines 'TOKEN<TAB>ID')")
        }
        let lexicon = try lexiconFile.map { Self.parseLexicon(try read($0)) } ?? [:]
        self.init(vocabulary: vocabulary, lexicon: lexicon, espeakVoice: espeakVoice)
    }

    /// Tokens of a `tokens.txt` (`TOKEN<TAB>ID` or `TOKEN ID` per line; the token may be a
    /// space). Lines without a numeric id are skipped.
    public static func parseTokens(_ text: String) -> Set<String> {
        var tokens: Set<String> = []
        for line in text.split(whereSeparator: \.isNewline) {
            guard let separator = line.lastIndex(where: { $0 == "\t" || $0 == " " }) else { continue }
            let id = line[line.index(after: separator)...]
            guard !id.isEmpty, id.allSatisfy(\.isNumber) else { continue }
            let token = line[..<separator]
            if !token.isEmpty { tokens.insert(String(token)) }
        }
        return tokens
    }

    /// Entries of a `lexicon.txt` (`WORD TOKEN TOKEN …` per line, whitespace-separated).
    /// Later duplicates are ignored, as sherpa-onnx does.
    public static func parseLexicon(_ text: String) -> [String: [String]] {
        var lexicon: [String: [String]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            let word = String(fields[0])
            if lexicon[word] == nil { lexicon[word] = fields.dropFirst().map(String.init) }
        }
        return lexicon
    }

    /// Full-width and typographic punctuation mapped to what the vocabulary holds, as
    /// ZipVoice's tokenizer does before segmenting.
    static let punctuationMap: [Character: String] = [
        "，": ",", "。": ".", "！": "!", "？": "?", "；": ";", "：": ":", "、": ",",
        "‘": "'", "’": "'", "“": "\"", "”": "\"", "⋯": "…",
    ]

    /// Whether `character` is a Chinese ideograph (CJK Unified Ideographs and extension A).
    static func isChinese(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        return (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }

    /// The text split into runs of Chinese and of everything else, after punctuation
    /// mapping. Punctuation and spaces stay with the run they follow.
    static func segments(_ text: String) -> [(text: String, chinese: Bool)] {
        var mapped = ""
        for character in text { mapped += punctuationMap[character] ?? String(character) }
        var result: [(text: String, chinese: Bool)] = []
        for character in mapped {
            let chinese = isChinese(character)
            let neutral = !chinese && !character.isLetter
            if let last = result.last, neutral || last.chinese == chinese {
                result[result.count - 1].text.append(character)
            } else {
                result.append((String(character), chinese))
            }
        }
        return result
    }

    /// The tokens for `text`, every one in `vocabulary` (blocking: takes the espeak-ng lock).
    /// Empty when nothing in the text is pronounceable by this model.
    public func tokens(for text: String) throws -> [String] {
        var tokens: [String] = []
        for segment in Self.segments(text) {
            tokens += segment.chinese ? chineseTokens(segment.text) : try otherTokens(segment.text)
        }
        return tokens.filter(vocabulary.contains)
    }

    /// Longest-match lexicon lookup; characters without an entry are kept only if they are
    /// tokens themselves (punctuation).
    func chineseTokens(_ text: String) -> [String] {
        let characters = Array(text)
        var tokens: [String] = []
        var index = 0
        while index < characters.count {
            var matched = false
            for length in stride(from: min(maxPhraseLength, characters.count - index), through: 1, by: -1) {
                if let entry = lexicon[String(characters[index..<index + length])] {
                    tokens += entry
                    index += length
                    matched = true
                    break
                }
            }
            if !matched {
                tokens.append(String(characters[index]))
                index += 1
            }
        }
        return tokens
    }

    /// espeak-ng IPA, one token per Unicode scalar (piper-phonemize's output, flattened).
    func otherTokens(_ text: String) throws -> [String] {
        guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
            return text.unicodeScalars.map { String($0) }.filter { $0 != " " }
        }
        return try phonemizer.phonemize(text).joined().unicodeScalars.map { String($0) }
    }
}
