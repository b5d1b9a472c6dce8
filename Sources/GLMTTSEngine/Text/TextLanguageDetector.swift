import Foundation

/// Tells which language a text is in, sentence by sentence, from its writing system and,
/// for Latin script, its commonest words.
///
/// - Han characters with no kana in the sentence are Chinese (`zh`); any kana makes it
///   Japanese (`ja`), so a sentence of kanji only (`東京大学`) counts as Chinese — send
///   `language` to say otherwise. Hangul is Korean; Cyrillic, Greek, Arabic, Hebrew,
///   Devanagari and Thai map to one language each (see ``ScriptDetector``).
/// - Latin script is English unless at least ``minimumFunctionWords`` function words of one
///   other language (German, French, Spanish, Italian, Portuguese, Dutch) are found and
///   outnumber the English ones: a stray "de" or "la" in English stays English.
/// - A sentence without letters (`2024`, `!!!`) has no language of its own; it takes its
///   neighbour's (the previous sentence's, else the next one's).
public enum TextLanguageDetector {
    /// Function words of another Latin-script language needed before a sentence is not English.
    public static let minimumFunctionWords = 2

    /// The language of every sentence of `text` (sentences as ``SentenceSplitter`` cuts them),
    /// in order; empty when the text has no letters at all.
    public static func sentences(_ text: String, maxChunkCharacters: Int = 400) -> [(sentence: String, language: String)] {
        let pieces = SentenceSplitter.split(text, maxChunkCharacters: maxChunkCharacters)
        var languages = pieces.map(language(of:))
        guard languages.contains(where: { $0 != nil }) else { return [] }
        for index in languages.indices where languages[index] == nil {
            languages[index] = languages[..<index].last(where: { $0 != nil }) ?? languages[index...].first(where: { $0 != nil }) ?? nil
        }
        return zip(pieces, languages).map { ($0, $1!) }
    }

    /// The languages of `text`, each once, the one with the most sentences first (ties: the
    /// first seen). Empty when the text has no letters.
    public static func languages(of text: String) -> [String] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for (_, language) in sentences(text) {
            if counts[language] == nil { order.append(language) }
            counts[language, default: 0] += 1
        }
        return order.enumerated().sorted { lhs, rhs in
            let (a, b) = (counts[lhs.element]!, counts[rhs.element]!)
            return a != b ? a > b : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// The language of one sentence, or nil when it has no letters.
    public static func language(of sentence: String) -> String? {
        guard let hint = ScriptDetector.dominantLanguageHint(sentence) else { return nil }
        let code = LanguageCode.primary(hint)
        return code == "en" ? latinLanguage(of: sentence) : code
    }

    /// English, or another Latin-script language whose function words clearly dominate.
    static func latinLanguage(of sentence: String) -> String {
        let words = sentence.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
        var counts: [String: Int] = [:]
        for word in words {
            for (language, list) in functionWords where list.contains(word) { counts[language, default: 0] += 1 }
        }
        let english = counts["en", default: 0]
        let best = counts.filter { $0.key != "en" }.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
        if let best, best.value >= minimumFunctionWords, best.value > english { return best.key }
        return "en"
    }

    /// Very common words that are rare in the other listed languages.
    static let functionWords: [String: Set<String>] = [
        "en": ["the", "and", "is", "are", "of", "to", "with", "this", "that", "you", "it", "was", "for", "have", "not", "what"],
        "de": ["der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "mit", "sie", "wir", "auf", "zu", "es", "den"],
        "fr": ["le", "la", "les", "et", "est", "une", "des", "je", "nous", "vous", "pas", "dans", "pour", "avec", "du", "qui"],
        "es": ["el", "los", "las", "y", "es", "una", "por", "que", "con", "para", "del", "está", "muy", "pero", "yo", "como"],
        "it": ["il", "gli", "della", "che", "è", "sono", "per", "con", "una", "non", "mi", "questo", "molto", "anche", "io"],
        "pt": ["os", "as", "não", "uma", "com", "para", "que", "você", "muito", "mas", "eu", "isso", "está", "são", "também"],
        "nl": ["het", "een", "en", "niet", "ik", "je", "van", "dat", "zijn", "met", "voor", "maar", "wij", "ook", "ook"],
    ]
}
