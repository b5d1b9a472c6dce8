/// Word error rate: (substitutions + deletions + insertions) ÷ reference words, after
/// lower-casing and removing punctuation.
public enum WordErrorRate {
    /// The aggregate WER (over many sentences) that Whisper tiny.en on Piper's unseeded
    /// audio always stays under when both work: a floor for "it works", not a quality target.
    public static let workingRecognizerBound = 0.25

    /// Lower-cased words with punctuation removed (apostrophes kept).
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }

    /// How alike two transcripts *of the same audio by the same model* are: 1 − word edit
    /// distance ÷ the longer one's length (0 when either is empty). Identical samples decode
    /// to identical words unless faster-whisper falls back to (unseeded) sampling, so such
    /// pairs score 1, or about `sameAudio` for a one-word wobble; another clip scores near 0.
    public static func similarity(_ first: String, _ second: String) -> Double {
        let a = words(first)
        let b = words(second)
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        return 1 - Double(errors(reference: a, hypothesis: b)) / Double(max(a.count, b.count))
    }

    /// The `similarity` two transcripts of the same audio always reach.
    public static let sameAudio = 0.8

    /// Edit distance between word sequences.
    public static func errors(reference: [String], hypothesis: [String]) -> Int {
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
