import Foundation

/// sherpa-onnx's tokens file, read the way sherpa-onnx reads it (so a file it would end the
/// process on is refused first), and C `atoi`, which sherpa-onnx applies to ids and metadata.
enum SherpaTokensFile {
    /// The ids in a sherpa-onnx tokens file, read the way sherpa-onnx's `ReadTokens` reads
    /// it: each line (whitespace-trimmed) is empty, `id` (the symbol is a space), or
    /// `symbol id`; anything else makes sherpa-onnx end the process, so it is refused here
    /// with `ModelError.loadFailed` naming the line. An empty file or one with no tokens is
    /// refused too.
    static func tokenIDs(in url: URL, modelID: String) throws -> Set<Int> {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ModelError.loadFailed(
                model: modelID, reason: "its tokens file '\(url.lastPathComponent)' cannot be read (\(error.localizedDescription))")
        }
        do {
            return try parseTokenIDs(data)
        } catch let problem as Problem {
            throw ModelError.loadFailed(
                model: modelID,
                reason:
                    "its tokens file '\(url.lastPathComponent)' is not a sherpa-onnx tokens file (\(problem.description)); use the tokens.txt from the same model pack"
            )
        }
    }

    /// Why a tokens file was refused.
    struct Problem: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// See `tokenIDs(in:modelID:)`; works on bytes (tokens need not be UTF-8).
    static func parseTokenIDs(_ data: Data) throws -> Set<Int> {
        // C isspace in the "C" locale: what sherpa-onnx's Trim and `operator>>` split on.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        var ids = Set<Int>()
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let fields = line.split(whereSeparator: isSpace)
            switch fields.count {
            case 0:
                continue
            case 1:
                ids.insert(cInteger(String(decoding: fields[0], as: UTF8.self)))
            case 2:
                let text = String(decoding: fields[1], as: UTF8.self)
                let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
                guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let id = Int32(text) else {
                    throw Problem(description: "line \(lineNumber): '\(text.prefix(20))' is not a token id")
                }
                ids.insert(Int(id))
            default:
                throw Problem(description: "line \(lineNumber) has \(fields.count) fields; expected 'symbol id'")
            }
        }
        guard !ids.isEmpty else { throw Problem(description: "it holds no tokens") }
        return ids
    }

    /// C `atoi`: optional leading whitespace and sign, then digits; 0 when there are none.
    static func cInteger(_ text: String) -> Int {
        var rest = Substring(text).drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        var sign = 1
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        var value = 0
        for character in rest {
            guard character.isASCII, let digit = character.wholeNumberValue else { break }
            value = min(value * 10 + digit, Int(Int32.max) + 1)
        }
        return sign * value
    }
}
