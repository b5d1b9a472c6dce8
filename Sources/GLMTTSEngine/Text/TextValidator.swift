import Foundation

/// Turns raw user text into clean text that an engine can speak, or explains why it cannot.
///
/// ``prepare(_:limits:)`` applies, in order:
/// 1. a raw-size guard (``TextLimits/maxInputBytes``);
/// 2. removal of terminal escape sequences (`ESC [ … m` and the like) and of every other
///    C0/C1 control character, NUL included (they are stripped, not rejected);
/// 3. line breaks (`\n`, `\r\n`, `\r`, VT, FF, NEL, U+2028) become sentence breaks:
///    a whitespace run with one line break becomes `"\n"`, a run with two or more (or
///    U+2029) becomes `"\n\n"` (a paragraph break); every other whitespace run, tabs and
///    no-break or ideographic spaces included, becomes one space; leading and trailing
///    whitespace is dropped;
/// 4. removal of format characters (zero-width space/joiners, word joiner, BOM, soft hyphen,
///    bidi marks, embeddings, overrides and isolates), private-use and unassigned code points;
/// 5. removal of emoji (engines cannot speak them; keycaps such as 1️⃣ keep their base `1`;
///    a space left before punctuation that directly followed a removed emoji is dropped);
///    text in any mix of scripts (Latin, CJK, Cyrillic, Arabic…) is kept as it is;
/// 6. Unicode NFC normalisation;
/// 7. the checks: a character (grapheme cluster) built from more than
///    ``maxScalarsPerCharacter`` code points (a letter under a pile of combining marks) →
///    ``TextError/characterTooComplex(limit:)``, because the character limit counts clusters
///    and one cluster could otherwise carry megabytes; nothing left → ``TextError/empty`` / ``TextError/invisibleOnly`` /
///    ``TextError/noSpeakableContent``; more than ``TextLimits/maxCharacters`` grapheme
///    clusters → ``TextError/tooLong(characters:limit:)``; no letter or digit in any
///    script → ``TextError/noSpeakableContent``.
///
/// The result is never empty, has no leading/trailing whitespace and at most
/// `limits.maxCharacters` characters. The work is linear in the input size, and stops
/// building output once the limit is passed (it only keeps counting).
public enum TextValidator {
    /// Most code points one character (grapheme cluster) may have. Real text stays far below:
    /// Vietnamese or Tibetan stacks use a handful, emoji sequences about ten.
    public static let maxScalarsPerCharacter = 32

    /// Cleans `raw` and checks it against `limits`; see the type's documentation for the steps.
    /// - Returns: NFC text with collapsed whitespace, `"\n"` line and `"\n\n"` paragraph breaks.
    /// - Throws: ``TextError``.
    public static func prepare(_ raw: String, limits: TextLimits = .default) throws -> String {
        let rawBytes = raw.utf8.count
        if rawBytes > limits.maxInputBytes {
            throw TextError.inputTooLarge(bytes: rawBytes, limit: limits.maxInputBytes)
        }
        var cleaner = TextCleaner(limit: limits.maxCharacters)
        for character in raw {
            if character.unicodeScalars.count > maxScalarsPerCharacter {
                throw TextError.characterTooComplex(limit: maxScalarsPerCharacter)
            }
            cleaner.consume(character)
        }
        if cleaner.output.isEmpty && cleaner.keptCount == 0 {
            if !cleaner.sawNonWhitespace { throw TextError.empty }
            if cleaner.removedVisible { throw TextError.noSpeakableContent }
            throw TextError.invisibleOnly
        }
        if cleaner.overflowed {
            throw TextError.tooLong(characters: cleaner.keptCount, limit: limits.maxCharacters)
        }
        var text = cleaner.output
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            text = text.precomposedStringWithCanonicalMapping
        }
        let count = text.count
        if count > limits.maxCharacters {
            throw TextError.tooLong(characters: count, limit: limits.maxCharacters)
        }
        if !TextCharacterClass.containsSpeakable(text) {
            throw TextError.noSpeakableContent
        }
        return text
    }

    /// Decodes UTF-8 bytes (an HTTP body, a file) into a string, refusing malformed input
    /// instead of replacing it with U+FFFD. A leading byte-order mark is kept here and
    /// removed later by ``prepare(_:limits:)``.
    /// - Throws: ``TextError/invalidEncoding(byteOffset:)`` at the first malformed sequence.
    public static func decodeUTF8<Bytes: Collection>(_ bytes: Bytes) throws -> String where Bytes.Element == UInt8 {
        var iterator = CountingIterator(base: bytes.makeIterator())
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        while true {
            let start = iterator.consumed
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar):
                scalars.append(scalar)
            case .emptyInput:
                return String(scalars)
            case .error:
                throw TextError.invalidEncoding(byteOffset: start)
            }
        }
    }

    /// Prepares `raw` and splits it into chunks of at most `limits.maxChunkCharacters`
    /// characters with ``SentenceSplitter``. The result is never empty.
    /// - Throws: ``TextError``.
    public static func prepareChunks(_ raw: String, limits: TextLimits = .default) throws -> [String] {
        let text = try prepare(raw, limits: limits)
        let chunks = SentenceSplitter.split(text, maxChunkCharacters: limits.maxChunkCharacters)
        if chunks.isEmpty { throw TextError.noSpeakableContent }
        return chunks
    }
}

/// Byte iterator that counts how many bytes were taken, so decode errors can name an offset.
private struct CountingIterator<Base: IteratorProtocol>: IteratorProtocol where Base.Element == UInt8 {
    var base: Base
    var consumed = 0

    mutating func next() -> UInt8? {
        guard let byte = base.next() else { return nil }
        consumed += 1
        return byte
    }
}

/// One pass over the graphemes of the raw text; see ``TextValidator`` for the rules.
private struct TextCleaner {
    private enum EscapeState {
        case none
        case escape  // just saw ESC
        case csi(Int)  // inside ESC [ … (count of characters so far)
        case osc  // inside ESC ] … until BEL, ST or a line break
    }

    let limit: Int
    private(set) var output = ""
    /// Characters (graphemes, separators included) kept so far, counted past the limit too.
    private(set) var keptCount = 0
    private(set) var overflowed = false
    private(set) var sawNonWhitespace = false
    /// Something visible (an emoji, a symbol) was removed, as opposed to only invisible characters.
    private(set) var removedVisible = false

    private var escape = EscapeState.none
    private var pendingSpace = false
    private var pendingBreaks = 0
    private var removedSinceEmit = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func consume(_ character: Character) {
        if handleEscape(character) { return }
        if character.isNewline {
            pendingBreaks += character == "\u{2029}" ? 2 : 1
            return
        }
        if character.isWhitespace {
            pendingSpace = true
            removedSinceEmit = false
            return
        }
        sawNonWhitespace = true
        if character == "\u{1B}" {
            escape = .escape
            return
        }
        if let base = TextCharacterClass.keycapBase(character) {
            emit(base)
            return
        }
        if TextCharacterClass.isEmoji(character) {
            removedVisible = true
            removedSinceEmit = true
            return
        }
        var kept = String.UnicodeScalarView()
        for scalar in character.unicodeScalars where Self.keepsScalar(scalar) {
            kept.append(scalar)
        }
        if kept.isEmpty { return }
        let text = String(kept)
        // Removing a scalar can leave more than one grapheme (e.g. around a removed joiner).
        for piece in text {
            emit(piece)
        }
    }

    /// Handles terminal escape sequences; returns true when the character belongs to one.
    private mutating func handleEscape(_ character: Character) -> Bool {
        let value = character.unicodeScalars.count == 1 ? character.unicodeScalars.first!.value : 0
        switch escape {
        case .none:
            return false
        case .escape:
            sawNonWhitespace = true
            switch character {
            case "[": escape = .csi(0)
            case "]": escape = .osc
            default:
                escape = .none
                // A two-character escape (ESC c, ESC 7 …) swallows one printable ASCII character.
                if !(0x20...0x7E).contains(value) { return false }
            }
            return true
        case let .csi(length):
            switch value {
            case 0x20...0x3F where length < 32:
                escape = .csi(length + 1)
                return true
            case 0x40...0x7E:
                escape = .none
                return true
            default:
                // Malformed: end the sequence and treat this character as text.
                escape = .none
                return false
            }
        case .osc:
            if character.isNewline {
                escape = .none
                return false
            }
            if value == 0x07 || value == 0x9C {
                escape = .none
            } else if value == 0x1B {
                escape = .escape  // ESC \ (string terminator): the backslash is swallowed next.
            }
            return true
        }
    }

    private mutating func emit(_ character: Character) {
        // "Hi 👋, there" reads "Hi, there": no space before punctuation that followed a removed emoji.
        if removedSinceEmit, character.isPunctuation, !TextCharacterClass.openers.contains(character) {
            pendingSpace = false
        }
        removedSinceEmit = false
        if keptCount > 0 {
            if pendingBreaks >= 2 {
                append("\n")
                append("\n")
            } else if pendingBreaks == 1 {
                append("\n")
            } else if pendingSpace {
                append(" ")
            }
        }
        pendingBreaks = 0
        pendingSpace = false
        append(character)
    }

    private mutating func append(_ character: Character) {
        keptCount += 1
        if keptCount > limit {
            overflowed = true
        }
        if !overflowed {
            output.append(character)
        }
    }

    /// False for control, format (zero-width, bidi, BOM, soft hyphen, tags), private-use,
    /// unassigned and surrogate code points.
    private static func keepsScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .unassigned, .surrogate:
            return false
        default:
            return true
        }
    }
}
