import Foundation

/// Splits a sentence into the words captions show, and gives each the key the aligner
/// compares with what the recognizer heard.
///
/// Words are runs between spaces; a Han or kana character is a word of its own (Chinese and
/// Japanese put no spaces between words). Punctuation clings to the word before it, and
/// opening punctuation (“ « ( 「) to the word after it, so joining the words with spaces (or,
/// between CJK characters, with nothing) gives back the text.
enum CaptionWordSplitter {
    /// One caption word and its alignment key.
    struct Piece: Equatable {
        /// The word as written.
        var text: String
        /// Its letters and digits, lower-cased, without diacritics or width differences.
        var key: [Character]
    }

    static func split(_ text: String) -> [Piece] {
        var words: [String] = []
        var current = ""
        var currentIsCJK = false
        var opening = ""
        func flush() {
            if !current.isEmpty { words.append(current) }
            current = ""
            currentIsCJK = false
        }
        for character in text {
            if character.isWhitespace {
                flush()
            } else if isSpokenAlone(character) {
                flush()
                current = opening + String(character)
                opening = ""
                currentIsCJK = true
            } else if TextCharacterClass.isSpeakable(character) {
                if currentIsCJK { flush() }
                current += opening + String(character)
                opening = ""
            } else if current.isEmpty || isOpening(character) {
                flush()
                opening.append(character)
            } else {
                current.append(character)
            }
        }
        flush()
        if !opening.isEmpty {
            if words.isEmpty { words.append(opening) } else { words[words.count - 1] += opening }
        }
        return words.map { Piece(text: $0, key: key($0)) }
    }

    /// The alignment key of `text`: its letters and digits, folded.
    static func key(_ text: String) -> [Character] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .filter(TextCharacterClass.isSpeakable)
            .map { $0 }
    }

    /// Han ideographs and kana: each is a caption word (and a unit of Chinese and Japanese
    /// error rates in verification).
    static func isSpokenAlone(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value else { return false }
        return TextCharacterClass.isHan(value) || TextCharacterClass.isKana(value)
    }

    /// Opening punctuation: brackets and initial quotes (general categories Ps and Pi).
    private static func isOpening(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.properties.generalCategory {
        case .openPunctuation, .initialPunctuation: return true
        default: return false
        }
    }
}
