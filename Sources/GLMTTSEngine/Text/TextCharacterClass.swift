/// Character classes shared by the text front-end (validator, splitter, script detector).
///
/// Internal: the public behaviour is documented on ``TextValidator`` and ``SentenceSplitter``.
enum TextCharacterClass {
    /// A letter or digit in any script: something an engine can say.
    static func isSpeakable(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }

    /// True when the string holds at least one letter or digit.
    static func containsSpeakable<S: Sequence>(_ characters: S) -> Bool where S.Element == Character {
        characters.contains(where: isSpeakable)
    }

    /// Han ideographs (with 々 and 〇), kana and Hangul: scripts written without spaces
    /// between words (Hangul does use spaces, but its sentences may end in CJK punctuation).
    static func isCJKLetter(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value else { return false }
        return isHan(value) || isKana(value) || isHangul(value)
    }

    /// CJK and full-width punctuation (U+3000–U+303F, U+FF00–U+FF0F, U+FF1A–U+FF20, U+FF3B–U+FF40, U+FF5B–U+FF65).
    static func isCJKPunctuation(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value else { return false }
        switch value {
        case 0x3000...0x303F, 0xFF00...0xFF0F, 0xFF1A...0xFF20, 0xFF3B...0xFF40, 0xFF5B...0xFF65:
            return true
        default:
            return false
        }
    }

    /// A CJK letter or CJK punctuation.
    static func isCJK(_ character: Character) -> Bool {
        isCJKLetter(character) || isCJKPunctuation(character)
    }

    static func isHan(_ value: UInt32) -> Bool {
        switch value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F, 0x3005, 0x3007:
            return true
        default:
            return false
        }
    }

    static func isKana(_ value: UInt32) -> Bool {
        switch value {
        case 0x3040...0x309F, 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F:
            return true
        default:
            return false
        }
    }

    static func isHangul(_ value: UInt32) -> Bool {
        switch value {
        case 0xAC00...0xD7AF, 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xD7B0...0xD7FF:
            return true
        default:
            return false
        }
    }

    /// Closing quotes and brackets that stay with the sentence they end.
    static let closers: Set<Character> = [
        "\"", "'", "\u{201D}", "\u{2019}", "\u{00BB}", "\u{203A}", ")", "]", "}",
        "\u{300D}", "\u{300F}", "\u{FF09}", "\u{FF3D}", "\u{FF5D}", "\u{3011}", "\u{3015}",
        "\u{3009}", "\u{300B}", "\u{3017}", "\u{3019}", "\u{301B}", "\u{FF02}", "\u{FF07}",
    ]

    /// Opening quotes and brackets; after an ellipsis they start a new sentence like a capital does.
    static let openers: Set<Character> = [
        "\"", "'", "\u{201C}", "\u{2018}", "\u{00AB}", "\u{2039}", "(", "[", "{", "\u{00BF}", "\u{00A1}",
        "\u{300C}", "\u{300E}", "\u{FF08}", "\u{3010}",
    ]

    /// Latin sentence terminators: they end a sentence only before whitespace, the end, or CJK.
    static let latinTerminators: Set<Character> = [".", "!", "?", ";", "\u{2026}"]

    /// CJK sentence terminators: they end a sentence right away, no whitespace needed.
    /// (。！？；． and the half-width ｡; the ellipsis … counts as CJK after a CJK character.)
    static let cjkTerminators: Set<Character> = [
        "\u{3002}", "\u{FF01}", "\u{FF1F}", "\u{FF1B}", "\u{FF0E}", "\u{FF61}",
    ]

    /// Clause punctuation where an over-long sentence is best split: , ， 、 ： : — – ; ；
    static let clauseBreaks: Set<Character> = [
        ",", "\u{FF0C}", "\u{3001}", "\u{FF1A}", ":", "\u{2014}", "\u{2013}", ";", "\u{FF1B}",
    ]

    /// True when the grapheme is an emoji that should not be read aloud.
    ///
    /// An emoji here is a grapheme with a default-emoji-presentation scalar, an emoji
    /// modifier (skin tone), a tag sequence (subdivision flags), or an emoji-capable base
    /// that is explicitly emoji-presented (U+FE0F) or is a pictographic "other symbol" above
    /// U+2190 outside the letter-like block (☀ ✈ ❤). ©, ®, ™, digits, `#` and `*` are not.
    /// Keycaps (1️⃣) are handled by ``keycapBase(_:)`` instead.
    static func isEmoji(_ character: Character) -> Bool {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return false }
        var hasVariationSelector16 = false
        for scalar in scalars {
            let properties = scalar.properties
            if properties.isEmojiPresentation || properties.isEmojiModifier { return true }
            if (0xE0020...0xE007F).contains(scalar.value) { return true }
            if scalar.value == 0xFE0F { hasVariationSelector16 = true }
        }
        let base = first.properties
        guard base.isEmoji, first.value >= 0x80 else { return false }
        if hasVariationSelector16 { return true }
        return first.value >= 0x2190 && !(0x2100...0x214F).contains(first.value)
            && base.generalCategory == .otherSymbol
    }

    /// For a keycap sequence (a base such as `1`, `#` or `*` followed by U+20E3), the base character.
    static func keycapBase(_ character: Character) -> Character? {
        let scalars = character.unicodeScalars
        guard scalars.count > 1, scalars.contains(where: { $0.value == 0x20E3 }),
            let first = scalars.first, first.isASCII
        else { return nil }
        return Character(first)
    }
}
