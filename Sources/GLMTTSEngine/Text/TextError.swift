/// The text a caller asked us to speak cannot be used as it is.
///
/// Raised by ``TextValidator``. Every case is the caller's to fix, so the category is
/// always ``ErrorCategory/invalidInput``; the message says what was wrong and what to do.
///
/// Design decision: control characters (NUL included), ANSI escape sequences, zero-width
/// and bidi controls are *removed* by ``TextValidator/prepare(_:limits:)`` rather than
/// rejected, because they routinely arrive from copy-paste and terminals and carry nothing
/// to say. Only text that is left with nothing after that clean-up is an error. The one
/// "invalid" input is a byte sequence that is not UTF-8 (``invalidEncoding(byteOffset:)``).
public enum TextError: GLMTTSError, Equatable {
    /// The text is empty or only whitespace.
    case empty
    /// The text holds only invisible characters (control characters, zero-width or bidi
    /// marks, terminal escape sequences); nothing is left after they are removed.
    case invisibleOnly
    /// After clean-up the text has `characters` characters (grapheme clusters), more than `limit`.
    case tooLong(characters: Int, limit: Int)
    /// The raw input is `bytes` UTF-8 bytes, more than `limit`; it was refused before clean-up.
    case inputTooLarge(bytes: Int, limit: Int)
    /// The text has no letter or digit in any script (for example only emoji or punctuation).
    case noSpeakableContent
    /// The bytes are not valid UTF-8; `byteOffset` is where the first bad sequence starts.
    case invalidEncoding(byteOffset: Int)
    /// One character (grapheme cluster) is made of more than `limit` code points, such as a
    /// letter under thousands of combining marks.
    case characterTooComplex(limit: Int)
    /// The text is (partly) in `languages` (primary codes), which `voice` — or, when nil, no
    /// installed voice that may be chosen by default — can speak. `alternatives` are the
    /// installed voices that speak the text's languages.
    case languageUnsupported(languages: [String], voice: String?, alternatives: [String])

    public var code: String {
        switch self {
        case .empty: return ProblemCode.textEmpty
        case .invisibleOnly: return ProblemCode.textInvisibleOnly
        case .tooLong: return ProblemCode.textTooLong
        case .inputTooLarge: return ProblemCode.textInputTooLarge
        case .noSpeakableContent: return ProblemCode.textNoSpeakableContent
        case .invalidEncoding: return ProblemCode.textInvalidEncoding
        case .characterTooComplex: return ProblemCode.textCharacterTooComplex
        case .languageUnsupported: return ProblemCode.textLanguageUnsupported
        }
    }

    public var category: ErrorCategory { .invalidInput }

    public var message: String {
        switch self {
        case .empty:
            return "The text is empty; send at least one word to speak."
        case .invisibleOnly:
            return "The text contains only invisible characters (control characters, zero-width or "
                + "direction marks, terminal escape codes); send visible text to speak."
        case let .tooLong(characters, limit):
            return "The text has \(characters) characters after clean-up, more than the limit of \(limit). "
                + "Split it into several requests of at most \(limit) characters, or use the batch API."
        case let .inputTooLarge(bytes, limit):
            return "The text is \(bytes) bytes, more than the \(limit)-byte input limit. "
                + "Split it into several smaller requests, or use the batch API."
        case .noSpeakableContent:
            return "The text contains nothing that can be spoken (no letters or digits; emoji are "
                + "removed); send text with at least one word or number."
        case let .invalidEncoding(byteOffset):
            return "The text is not valid UTF-8 (first bad byte at offset \(byteOffset)); "
                + "send UTF-8 encoded text."
        case let .characterTooComplex(limit):
            return "The text has a character built from more than \(limit) code points (for example a letter "
                + "under a pile of combining accents), which cannot be spoken; remove the repeated marks."
        case let .languageUnsupported(languages, voice, alternatives):
            let names = languages.map { "\(LanguageCode.name($0)) (\($0))" }.joined(separator: ", ")
            let others =
                alternatives.isEmpty
                ? "No installed voice speaks it; install one (see docs/LANGUAGES.md)."
                : "Installed voices that can: \(alternatives.prefix(12).joined(separator: ", ")); name one, or leave the voice empty to choose automatically."
            if let voice {
                return "The text is in \(names), which the voice '\(voice)' cannot speak. " + others
            }
            return "The text is in \(names), which no installed voice can speak by default. " + others
        }
    }
}
