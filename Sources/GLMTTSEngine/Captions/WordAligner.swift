/// Times the words of one sentence from the words a recognizer heard in it.
///
/// Both sides are reduced to their letters and digits (`CaptionWordSplitter.key`); each
/// heard word's time is spread evenly over its characters; the two character sequences are
/// aligned for the most characters in common (a longest common subsequence, by dynamic
/// programming and its back-trace), and each input word takes the times of the heard
/// characters its own characters matched, when at least half of them did. So the captions
/// keep the input's words and spelling ("Dr." still finds the d and r of "doctor"), and a
/// word the recognizer spelled a little differently still lands where it was said. Words
/// with too few matches (numbers it wrote out, words it missed) share the time between
/// their timed neighbours in proportion to their length.
enum WordAligner {
    /// The shortest time a word is given. The recognizer may place a word where the sentence's
    /// speech has not begun yet, or squeeze it to nothing; the word then starts at the speech
    /// (or right after its predecessor) and lasts at least this long, pushing the next word on.
    static let minimumWordSeconds = 0.06

    /// Times `pieces` (sentence `sentence`, spoken in `speech`, seconds) by `heard` (the
    /// recognizer's words, absolute times, already limited to this sentence).
    static func align(
        _ pieces: [CaptionWordSplitter.Piece], sentence: Int, speech: ClosedRange<Double>, heard: [TranscriptWord]
    ) -> [CaptionWord] {
        let typed = pieces.enumerated().flatMap { index, piece in piece.key.map { (index, $0) } }
        var spoken: [(character: Character, start: Double, end: Double)] = []
        for word in heard {
            let key = CaptionWordSplitter.key(word.text)
            let step = max(0, word.end - word.start) / Double(max(1, key.count))
            for (offset, character) in key.enumerated() {
                let start = word.start + step * Double(offset)
                spoken.append((character, start, start + step))
            }
        }
        var times = [(start: Double, end: Double, matches: Int)?](repeating: nil, count: pieces.count)
        for (typedIndex, spokenIndex) in matches(typed.map(\.1), spoken.map(\.character)) {
            let word = typed[typedIndex].0
            let heardCharacter = spoken[spokenIndex]
            if let known = times[word] {
                times[word] = (min(known.start, heardCharacter.start), max(known.end, heardCharacter.end), known.matches + 1)
            } else {
                times[word] = (heardCharacter.start, heardCharacter.end, 1)
            }
        }
        let heardTimes = times.enumerated().map { index, time in
            time.flatMap { 2 * $0.matches >= pieces[index].key.count ? ($0.start, $0.end) : nil }
        }
        return timed(pieces, times: heardTimes, sentence: sentence, speech: speech)
    }

    /// Words spread over `speech` in proportion to their length: the estimate when no
    /// recognizer could hear the sentence.
    static func spread(_ pieces: [CaptionWordSplitter.Piece], sentence: Int, speech: ClosedRange<Double>) -> [CaptionWord] {
        timed(pieces, times: Array(repeating: nil, count: pieces.count), sentence: sentence, speech: speech)
    }

    /// Index pairs (typed, spoken) of equal characters in a longest common subsequence of
    /// the two, in order.
    static func matches(_ typed: [Character], _ spoken: [Character]) -> [(Int, Int)] {
        let rows = typed.count
        let columns = spoken.count
        guard rows > 0, columns > 0 else { return [] }
        let width = columns + 1
        var common = [Int32](repeating: 0, count: (rows + 1) * width)
        for row in 1...rows {
            for column in 1...columns {
                common[row * width + column] =
                    typed[row - 1] == spoken[column - 1]
                    ? common[(row - 1) * width + column - 1] + 1
                    : max(common[(row - 1) * width + column], common[row * width + column - 1])
            }
        }
        var result: [(Int, Int)] = []
        var row = rows
        var column = columns
        while row > 0, column > 0 {
            if typed[row - 1] == spoken[column - 1], common[row * width + column] == common[(row - 1) * width + column - 1] + 1 {
                result.append((row - 1, column - 1))
                row -= 1
                column -= 1
            } else if common[(row - 1) * width + column] >= common[row * width + column - 1] {
                row -= 1
            } else {
                column -= 1
            }
        }
        return result.reversed()
    }

    /// Caption words from the times found (nil: none), the gaps filled in proportion to
    /// length, kept in order and within `speech`.
    private static func timed(
        _ pieces: [CaptionWordSplitter.Piece], times: [(start: Double, end: Double)?], sentence: Int,
        speech: ClosedRange<Double>
    ) -> [CaptionWord] {
        var words: [CaptionWord] = []
        var index = 0
        var previousEnd = speech.lowerBound
        while index < pieces.count {
            if let time = times[index] {
                let start = min(max(time.start, previousEnd), speech.upperBound)
                let end = min(max(time.end, start + minimumWordSeconds), speech.upperBound)
                words.append(CaptionWord(text: pieces[index].text, start: start, end: end, sentence: sentence, heard: true))
                previousEnd = end
                index += 1
                continue
            }
            var gapEnd = index
            while gapEnd < pieces.count, times[gapEnd] == nil { gapEnd += 1 }
            let limit = gapEnd < pieces.count ? times[gapEnd].map { max($0.start, previousEnd) } ?? speech.upperBound : speech.upperBound
            let until = min(max(limit, previousEnd + minimumWordSeconds * Double(gapEnd - index)), speech.upperBound)
            let weights = pieces[index..<gapEnd].map { Double(max(1, $0.key.count)) }
            let total = weights.reduce(0, +)
            var start = previousEnd
            for (offset, weight) in weights.enumerated() {
                let end = start + (until - previousEnd) * weight / total
                words.append(CaptionWord(text: pieces[index + offset].text, start: start, end: end, sentence: sentence, heard: false))
                start = end
            }
            previousEnd = until
            index = gapEnd
        }
        return words
    }
}
