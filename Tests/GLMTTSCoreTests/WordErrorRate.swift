/// Word error rate: (substitutions + deletions + insertions) ÷ reference words, after
/// lower-casing and removing punctuation.
enum WordErrorRate {
    /// Lower-cased words with punctuation removed (apostrophes kept).
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }

    /// Edit distance between word sequences.
    static func errors(reference: [String], hypothesis: [String]) -> Int {
        var previous = Array(0...hypothesis.count)
        for (i, word) in reference.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: hypothesis.count)
            for (j, heard) in hypothesis.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (word == heard ? 0 : 1))
            }
            previous = current
        }
        return previous[hypothesis.count]
    }
}
