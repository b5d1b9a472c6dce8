import Testing

@testable import GLMTTSEngine

@Suite struct PhonemeChunkerTests {
    @Test func shortSentencesAreLeftWhole() {
        let sentence = "həlˈoʊ wˈɜːld, ðɪs ɪz ɐ tˈɛst."
        #expect(PhonemeChunker.split(sentence) == [sentence])
        let exactly = String(repeating: "a", count: PhonemeChunker.defaultMaxLength)
        #expect(PhonemeChunker.split(exactly) == [exactly])
    }

    @Test func longSentencesArePiecesWithinTheLimitThatKeepEveryWord() {
        let words = (0..<120).map { "wˈɜːd\($0)" }
        let sentence = words.joined(separator: " ")
        let pieces = PhonemeChunker.split(sentence, maxLength: 100)
        #expect(pieces.count >= sentence.unicodeScalars.count / 100)
        #expect(pieces.allSatisfy { $0.unicodeScalars.count <= 100 && !$0.hasPrefix(" ") && !$0.hasSuffix(" ") })
        #expect(pieces.joined(separator: " ") == sentence)  // cut only at word breaks
        // Even shares: no tiny last piece.
        #expect(pieces.allSatisfy { $0.unicodeScalars.count >= 33 })
    }

    @Test func aPhraseBreakIsPreferredToAWordBreak() {
        let first = Array(repeating: "ab", count: 25).joined(separator: " ")  // 74 code points
        let second = Array(repeating: "cd", count: 25).joined(separator: " ")
        let pieces = PhonemeChunker.split(first + ", " + second, maxLength: 100)
        #expect(pieces == [first + ",", second])
    }

    @Test func oneEndlessWordIsCutAnywhereWithinTheLimit() {
        let word = String(repeating: "ə", count: 450)
        let pieces = PhonemeChunker.split(word, maxLength: 200)
        #expect(pieces.count == 3)
        #expect(pieces.allSatisfy { $0.unicodeScalars.count <= 200 })
        #expect(pieces.joined() == word)
    }
}
