/// Splits one sentence's phonemes into pieces that a VITS voice synthesises in one inference
/// each, so that the memory one inference needs stays bounded.
///
/// A Piper (VITS) inference holds tensors proportional to the audio it produces, about
/// 19 MiB per second of speech with ONNX Runtime, and ONNX Runtime's arena keeps that memory
/// afterwards. Sentence splitting alone does not bound it: one short "sentence" of symbols
/// that espeak-ng spells out by name ("⅓ ⅔ ∰ …") became 45 s of audio in one inference and
/// ~870 MiB (found by fuzzing). Pieces of at most ``defaultMaxLength`` code points (about
/// 12 s of speech) are cut at a phrase break (`,` `;` `:` followed by a space) near an even
/// share of the sentence, else at a word break, else anywhere; ordinary sentences (up to
/// about 180 characters of English) are never cut.
public enum PhonemeChunker {
    /// Most phoneme code points (IPA letters, stress marks, spaces, punctuation) per piece.
    public static let defaultMaxLength = 200

    /// `phonemes` in pieces of at most `maxLength` code points, in order, without the spaces
    /// at the cuts; `[phonemes]` when it is short enough.
    public static func split(_ phonemes: String, maxLength: Int = defaultMaxLength) -> [String] {
        let scalars = Array(phonemes.unicodeScalars)
        let limit = max(maxLength, 8)
        guard scalars.count > limit else { return [phonemes] }
        var pieces: [String] = []
        var start = 0
        while scalars.count - start > limit {
            let remaining = scalars.count - start
            let pieceCount = (remaining + limit - 1) / limit
            let target = start + remaining / pieceCount
            let cut = bestCut(in: scalars, from: start + limit / 3, through: start + limit, near: target)
            pieces.append(String(String.UnicodeScalarView(scalars[start..<cut])))
            start = cut
            while start < scalars.count && scalars[start] == " " { start += 1 }
        }
        if start < scalars.count {
            pieces.append(String(String.UnicodeScalarView(scalars[start...])))
        }
        return pieces.filter { !$0.isEmpty }
    }

    /// The index to cut before (the piece ends there): a space after phrase punctuation
    /// closest to `target`, else any space closest to it, else `target` itself.
    private static func bestCut(in scalars: [Unicode.Scalar], from low: Int, through high: Int, near target: Int) -> Int {
        let phraseEnds: Set<Unicode.Scalar> = [",", ";", ":", "、", "，", "；", "：", "—"]
        var bestPhrase: Int?
        var bestWord: Int?
        for index in low...min(high, scalars.count - 1) where scalars[index] == " " {
            let distance = abs(index - target)
            if index > 0, phraseEnds.contains(scalars[index - 1]) {
                if bestPhrase.map({ distance < abs($0 - target) }) ?? true { bestPhrase = index }
            }
            if bestWord.map({ distance < abs($0 - target) }) ?? true { bestWord = index }
        }
        return bestPhrase ?? bestWord ?? target
    }
}
