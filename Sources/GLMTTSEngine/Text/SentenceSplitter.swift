/// Splits text into sentence-sized chunks for synthesis, for Latin-style and CJK scripts.
///
/// Sentence ends:
/// - Latin terminators `.` `!` `?` `;` (and runs such as `?!` or `...`) end a sentence when
///   followed by whitespace, the end of the text, or a CJK character. So `3.14`,
///   `example.com` and `Hello!World` do not split. A single `.` does not end a sentence
///   after an abbreviation in ``abbreviations``, after a dotted abbreviation of one- or
///   two-letter parts (`e.g.`, `i.e.`, `U.S.`, `a.m.`, `Ph.D.`), after a single capital
///   initial (`J. R. R. Tolkien`), after one in ``numberAbbreviations`` when a number follows
///   (`No. 5`), or after a list number of up to three digits at the start of a line (`1. Item`).
/// - Right after a CJK character, Latin terminators act like CJK ones (`你好!我是` splits).
/// - An ellipsis (`…`, `...`) inside Latin text ends a sentence only when followed by
///   whitespace and then a capital letter or an opening quote/bracket (or the end).
/// - CJK terminators `。` `！` `？` `；` `．` `｡` end a sentence right after them, with no
///   whitespace needed (except `．` between two digits).
/// - Closing quotes and brackets after a terminator stay with the sentence
///   (`"Hello." she said` → `"Hello."`, `she said`).
/// - Line breaks: a blank line (paragraph break) always ends a sentence; a single line break
///   does too, unless the next line starts with a lower-case letter (a hard-wrapped sentence,
///   which is joined with a space).
///
/// Sentences longer than `maxChunkCharacters` are split again at the best break inside the
/// allowed length: the last clause punctuation (`,` `，` `、` `：` `:` `—` `–` `;`, not
/// between digits as in `1,000`) that leaves a piece of at least a third of the maximum, else
/// the last whitespace, else any clause punctuation, else a hard cut at `maxChunkCharacters`
/// (moved back to a word start in Latin-like words when that keeps half the length). Cuts
/// always fall between grapheme clusters.
///
/// Promises: every chunk is trimmed, non-empty, has at most `maxChunkCharacters` characters
/// (grapheme clusters), and contains at least one letter or digit; whitespace runs inside a
/// chunk are collapsed to one space. Pieces without letters or digits (a lone `...`) are
/// merged into a neighbour when that fits the maximum, and dropped otherwise, so the chunks
/// in order contain every letter and digit of the input, in order. Text without letters or
/// digits gives `[]`. `maxChunkCharacters` below 1 is treated as 1.
public enum SentenceSplitter {
    /// Abbreviations (lower-case, without the final dot) after which `.` does not end a sentence:
    /// titles (`Mr.`, `Dr.`, `Prof.`…), `etc.`, `vs.`, `approx.`, `cf.`, `fig.`, company suffixes
    /// (`Inc.`, `Ltd.`, `Co.`, `Corp.`) and a few address words. Dotted forms such as `e.g.`,
    /// `i.e.`, `U.S.` are recognised by shape instead. A sentence that really ends with one of
    /// these is merged with the next; the only cost is a longer chunk.
    public static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "rev", "hon",
        "gen", "col", "capt", "lt", "sgt", "gov", "sen", "rep", "pres",
        "etc", "vs", "approx", "cf", "fig", "figs", "eq", "dept", "est", "ca",
        "inc", "ltd", "co", "corp", "llc", "ave", "blvd", "rd",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// Abbreviations (lower-case, without the dot) that do not end a sentence when a number
    /// follows: `No. 5`, `Vol. 2`, `pp. 10–12`, `Ch. 3`, `Art. 9`, `Sec. 4`.
    public static let numberAbbreviations: Set<String> = ["no", "nos", "vol", "pp", "ch", "art", "sec"]

    /// Splits `text` into chunks of at most `maxChunkCharacters` characters; see the type's
    /// documentation for the rules and the promises.
    public static func split(_ text: String, maxChunkCharacters: Int) -> [String] {
        let limit = max(1, maxChunkCharacters)
        let characters = Array(text)
        var pieces: [[Character]] = []
        for range in sentenceRanges(characters) {
            let sentence = collapsingWhitespace(characters[range])
            if sentence.isEmpty { continue }
            if sentence.count <= limit {
                pieces.append(sentence)
            } else {
                pieces.append(contentsOf: splitLong(sentence, limit: limit))
            }
        }
        return mergingUnspeakable(pieces, limit: limit)
    }

    // MARK: - Sentence boundaries

    private static func sentenceRanges(_ c: [Character]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var i = 0
        let n = c.count
        while i < n {
            let character = c[i]
            if character.isNewline {
                var j = i
                var breaks = 0
                while j < n, c[j].isWhitespace {
                    if c[j].isNewline { breaks += c[j] == "\u{2029}" ? 2 : 1 }
                    j += 1
                }
                if breaks >= 2 || j == n || !c[j].isLowercase {
                    ranges.append(start..<i)
                    start = j
                }
                i = j
                continue
            }
            if TextCharacterClass.latinTerminators.contains(character)
                || TextCharacterClass.cjkTerminators.contains(character)
            {
                var runEnd = i
                while runEnd < n,
                    TextCharacterClass.latinTerminators.contains(c[runEnd])
                        || TextCharacterClass.cjkTerminators.contains(c[runEnd])
                {
                    runEnd += 1
                }
                var end = runEnd
                while end < n, TextCharacterClass.closers.contains(c[end]) {
                    end += 1
                }
                if endsSentence(c, runStart: i, runEnd: runEnd, end: end) {
                    ranges.append(start..<end)
                    start = end
                }
                i = end
                continue
            }
            i += 1
        }
        if start < n { ranges.append(start..<n) }
        return ranges
    }

    /// Decides whether the terminator run `c[runStart..<runEnd]` (closers up to `end`) ends a sentence.
    private static func endsSentence(_ c: [Character], runStart: Int, runEnd: Int, end: Int) -> Bool {
        let run = c[runStart..<runEnd]
        let previous: Character? = runStart > 0 ? c[runStart - 1] : nil
        let next: Character? = end < c.count ? c[end] : nil

        if run.contains(where: { TextCharacterClass.cjkTerminators.contains($0) }) {
            if run.count == 1, run.first == "\u{FF0E}", let previous, let next,
                previous.isNumber, next.isNumber
            {
                return false
            }
            return true
        }
        let isEllipsis = run.allSatisfy { $0 == "." || $0 == "\u{2026}" } && (run.count > 1 || run.first == "\u{2026}")
        // After a CJK character, Latin punctuation is used as the CJK terminator (你好!我是…).
        if let previous, TextCharacterClass.isCJK(previous) {
            return true
        }
        guard let next else { return true }
        if TextCharacterClass.isCJK(next) { return true }
        guard next.isWhitespace else { return false }
        if isEllipsis {
            guard let following = c[end...].first(where: { !$0.isWhitespace }) else { return true }
            return following.isUppercase || TextCharacterClass.openers.contains(following)
                || TextCharacterClass.isCJKLetter(following)
        }
        if run.count == 1, run.first == ".", isAbbreviation(c, dotIndex: runStart, end: end) {
            return false
        }
        return true
    }

    /// True when the word right before the dot at `dotIndex` is a known or dotted abbreviation,
    /// an initial, or a list number at the start of a line (`1. First item`).
    private static func isAbbreviation(_ c: [Character], dotIndex: Int, end: Int) -> Bool {
        var start = dotIndex
        while start > 0, c[start - 1].isLetter || c[start - 1].isNumber || c[start - 1] == "." {
            start -= 1
        }
        let word = String(c[start..<dotIndex])
        if word.isEmpty { return false }
        if word.count <= 3, word.allSatisfy(\.isNumber) {
            return start == 0 || c[start - 1].isNewline
        }
        let lowered = word.lowercased()
        if abbreviations.contains(lowered) { return true }
        if numberAbbreviations.contains(lowered),
            let following = c[end...].first(where: { !$0.isWhitespace }), following.isNumber
        {
            return true
        }
        if word.count == 1, let letter = word.first, letter.isUppercase { return true }
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count > 1 && parts.allSatisfy { (1...2).contains($0.count) && $0.allSatisfy(\.isLetter) }
    }

    // MARK: - Long sentences

    private static func splitLong(_ sentence: [Character], limit: Int) -> [[Character]] {
        var pieces: [[Character]] = []
        var rest = sentence[...]
        while rest.count > limit {
            let (pieceEnd, restStart) = bestCut(Array(rest.prefix(limit + 1)), limit: limit)
            let piece = trimmed(rest.prefix(pieceEnd))
            if !piece.isEmpty { pieces.append(Array(piece)) }
            rest = trimmed(rest.dropFirst(restStart))
        }
        if !rest.isEmpty { pieces.append(Array(rest)) }
        return pieces
    }

    /// Where to cut a window of up to `limit + 1` characters: the piece is `window[..<pieceEnd]`
    /// (`pieceEnd <= limit`, at least 1) and the rest starts at `restStart`.
    private static func bestCut(_ window: [Character], limit: Int) -> (pieceEnd: Int, restStart: Int) {
        let minimumPiece = max(1, limit / 3)
        var earlyClause: Int?
        // Clause punctuation (with any closers after it) that keeps the piece within the limit.
        var k = min(limit, window.count) - 1
        while k >= 0 {
            if isClauseBreak(window, k) {
                var end = k + 1
                while end < window.count, end < limit, TextCharacterClass.closers.contains(window[end]) {
                    end += 1
                }
                if end >= minimumPiece { return (end, end) }
                if earlyClause == nil { earlyClause = end }
            }
            k -= 1
        }
        // The last whitespace: the piece ends before it, the rest starts after it.
        k = min(limit, window.count - 1)
        while k >= 1 {
            if window[k].isWhitespace { return (k, k + 1) }
            k -= 1
        }
        if let earlyClause { return (earlyClause, earlyClause) }
        // Hard cut between grapheme clusters; step back to a word start in space-separated scripts.
        var cut = limit
        if cut < window.count, isWordCharacter(window[cut - 1]), isWordCharacter(window[cut]) {
            var back = cut - 1
            while back > 0, isWordCharacter(window[back - 1]) { back -= 1 }
            if back >= max(1, limit / 2) { cut = back }
        }
        return (cut, cut)
    }

    private static func isClauseBreak(_ window: [Character], _ k: Int) -> Bool {
        let character = window[k]
        guard TextCharacterClass.clauseBreaks.contains(character) else { return false }
        if character == "," || character == ":" {
            if k > 0, k + 1 < window.count, window[k - 1].isNumber, window[k + 1].isNumber { return false }
        }
        return true
    }

    /// A letter, digit or mark of a script that separates words with spaces (not CJK).
    private static func isWordCharacter(_ character: Character) -> Bool {
        TextCharacterClass.isSpeakable(character) && !TextCharacterClass.isCJKLetter(character)
    }

    // MARK: - Clean-up and merging

    private static func collapsingWhitespace(_ slice: ArraySlice<Character>) -> [Character] {
        var out: [Character] = []
        out.reserveCapacity(slice.count)
        var pendingSpace = false
        for character in slice {
            if character.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(character)
            }
        }
        return out
    }

    private static func trimmed(_ slice: ArraySlice<Character>) -> ArraySlice<Character> {
        var slice = slice
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }

    /// Folds pieces without letters or digits into a neighbour (previous first, else next)
    /// when the result fits `limit`; drops them otherwise.
    private static func mergingUnspeakable(_ pieces: [[Character]], limit: Int) -> [String] {
        var result: [[Character]] = []
        var pending: [Character]?
        for piece in pieces {
            if TextCharacterClass.containsSpeakable(piece) {
                var chunk = piece
                if let prefix = pending, let joined = joining(prefix, chunk, limit: limit) {
                    chunk = joined
                }
                pending = nil
                result.append(chunk)
            } else if let last = result.last, let joined = joining(last, piece, limit: limit) {
                result[result.count - 1] = joined
            } else if let prefix = pending, let joined = joining(prefix, piece, limit: limit) {
                pending = joined
            } else {
                pending = piece
            }
        }
        return result.map { String($0) }
    }

    /// `left` and `right` joined (with a space unless either side is CJK), or nil when longer than `limit`.
    private static func joining(_ left: [Character], _ right: [Character], limit: Int) -> [Character]? {
        guard let end = left.last, let start = right.first else { return left + right }
        let separator: [Character] = TextCharacterClass.isCJK(end) || TextCharacterClass.isCJK(start) ? [] : [" "]
        let joined = left + separator + right
        return String(joined).count <= limit ? joined : nil
    }
}
