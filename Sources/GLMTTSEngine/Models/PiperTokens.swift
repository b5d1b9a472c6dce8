import Foundation

/// Builds the `tokens.txt` that sherpa-onnx reads for a Piper voice from its
/// `phoneme_id_map`.
///
/// sherpa-onnx reads each line as `<symbol> <id>` with C++ stream extraction, keeps only
/// single-code-point symbols, treats a line that holds only an id as the space symbol,
/// and aborts the whole process on a duplicate symbol or on a line it cannot split in
/// two. So this writer keeps exactly the entries sherpa can read back unambiguously:
/// - one code point per symbol (others are skipped and reported);
/// - the space symbol is written as `" " + " " + id`, which sherpa reads as space;
/// - other ASCII whitespace symbols (newline, tab, CR, VT, FF) are skipped: a stream
///   reader cannot see them, and a tab line would be read as a second space;
/// - the first id of each symbol is used (Piper maps a phoneme to a list of ids;
///   published voices use exactly one).
/// Lines are sorted by id, then by code point, so the file is deterministic.
enum PiperTokens {
    /// Result of building `tokens.txt`.
    struct Built: Equatable {
        /// File contents, one `<symbol> <id>` line per usable entry, newline-terminated.
        var text: String
        /// Number of lines written.
        var count: Int
        /// Symbols left out (printable form, see `visible`), sorted.
        var skipped: [String]
    }

    /// Builds the tokens file for `map`.
    static func build(from map: [String: [Int]]) -> Built {
        var entries: [(scalar: Unicode.Scalar, id: Int)] = []
        var seen = Set<Unicode.Scalar>()
        var skipped: [String] = []
        for (symbol, ids) in map {
            let scalars = symbol.unicodeScalars
            guard let id = ids.first, scalars.count == 1, let scalar = scalars.first,
                scalar == " " || !isStreamWhitespace(scalar), seen.insert(scalar).inserted
            else {
                skipped.append(visible(symbol))
                continue
            }
            entries.append((scalar, id))
        }
        entries.sort { ($0.id, $0.scalar.value) < ($1.id, $1.scalar.value) }
        var text = ""
        for entry in entries {
            text.unicodeScalars.append(entry.scalar)
            text += " \(entry.id)\n"
        }
        return Built(text: text, count: entries.count, skipped: skipped.sorted())
    }

    /// Whether C's `isspace` in the "C" locale (what `std::istream >>` skips) is true.
    static func isStreamWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: return true
        default: return false
        }
    }

    /// A printable form of `symbol` for messages: whitespace and control characters as
    /// `U+XXXX`, everything else quoted as is.
    static func visible(_ symbol: String) -> String {
        let parts = symbol.unicodeScalars.map { scalar -> String in
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .format
            {
                return String(format: "U+%04X", scalar.value)
            }
            return String(scalar)
        }
        return "'\(parts.joined())'"
    }
}
