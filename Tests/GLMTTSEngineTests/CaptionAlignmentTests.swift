import Testing

@testable import GLMTTSEngine

@Suite struct CaptionAlignmentTests {
    private func words(_ text: String) -> [String] { CaptionWordSplitter.split(text).map(\.text) }

    @Test func splitterKeepsTheInputsWordsAndPunctuation() {
        #expect(words("Hello, world! “Quoted” (aside) rock-and-roll.") == ["Hello,", "world!", "“Quoted”", "(aside)", "rock-and-roll."])
        #expect(words("他说：「你好」。") == ["他", "说：", "「你", "好」。"])
        #expect(words("今日は2024年です。") == ["今", "日", "は", "2024", "年", "で", "す。"])
        #expect(words("  ...  ") == ["..."])
        #expect(words("") == [])
        #expect(CaptionWordSplitter.key("Éte, ÇA!") == Array("eteca"))
    }

    @Test func alignerTimesEachWordByTheCharactersItWasHeardAs() {
        let pieces = CaptionWordSplitter.split("Dr. Smith paid 42 dollars.")
        let heard = [
            TranscriptWord(start: 0.10, end: 0.50, text: " Doctor"), TranscriptWord(start: 0.50, end: 0.90, text: " Smith"),
            TranscriptWord(start: 0.90, end: 1.20, text: " paid"), TranscriptWord(start: 1.20, end: 1.80, text: " forty-two"),
            TranscriptWord(start: 1.80, end: 2.30, text: " dollars."),
        ]
        let timed = WordAligner.align(pieces, sentence: 3, speech: 0.1...2.3, heard: heard)
        #expect(timed.map(\.text) == ["Dr.", "Smith", "paid", "42", "dollars."])
        #expect(timed.allSatisfy { $0.sentence == 3 })
        #expect(abs(timed[1].start - 0.50) < 0.01 && abs(timed[1].end - 0.90) < 0.01)
        #expect(abs(timed[2].start - 0.90) < 0.01 && abs(timed[2].end - 1.20) < 0.01)
        #expect(abs(timed[4].start - 1.80) < 0.01 && abs(timed[4].end - 2.30) < 0.01)
        // "42" was heard as words it shares no letter with: it fills the gap between its neighbours.
        #expect(!timed[3].heard && timed[3].start >= timed[2].end - 1e-9 && timed[3].end <= timed[4].start + 1e-9)
        #expect(timed[1].heard && timed[2].heard)
        for (a, b) in zip(timed, timed.dropFirst()) { #expect(a.end <= b.start + 1e-9 && a.start <= a.end) }
    }

    @Test func alignerSurvivesMissedAndExtraWordsAndStaysInsideTheSpeech() {
        let pieces = CaptionWordSplitter.split("one two three four five")
        // The recognizer missed "three", added "uh", and ran past the speech's end.
        let heard = [
            TranscriptWord(start: 0.0, end: 0.3, text: "one"), TranscriptWord(start: 0.3, end: 0.5, text: "uh"),
            TranscriptWord(start: 0.5, end: 0.8, text: "two"), TranscriptWord(start: 1.3, end: 1.6, text: "four"),
            TranscriptWord(start: 1.6, end: 2.5, text: "five"),
        ]
        let timed = WordAligner.align(pieces, sentence: 0, speech: 0.05...2.0, heard: heard)
        #expect(timed.map(\.text) == ["one", "two", "three", "four", "five"])
        #expect(timed.first!.start >= 0.05 && timed.last!.end <= 2.0)
        #expect(!timed[2].heard && timed[2].start >= timed[1].end - 1e-9 && timed[2].end <= timed[3].start + 1e-9, "\(timed)")
        for (a, b) in zip(timed, timed.dropFirst()) { #expect(a.end <= b.start + 1e-9) }
    }

    @Test func withoutARecognizerWordsAreSpreadByLength() {
        let timed = WordAligner.spread(CaptionWordSplitter.split("a bbb"), sentence: 1, speech: 1.0...2.0)
        #expect(timed.map(\.text) == ["a", "bbb"] && timed.allSatisfy { !$0.heard })
        #expect(abs(timed[0].start - 1.0) < 1e-9 && abs(timed[0].end - 1.25) < 1e-9 && abs(timed[1].end - 2.0) < 1e-9)
        #expect(WordAligner.align([], sentence: 0, speech: 0...1, heard: []).isEmpty)
        #expect(WordAligner.align(CaptionWordSplitter.split("only"), sentence: 0, speech: 0...1, heard: []).map(\.end) == [1])
    }

    @Test func chineseCharactersAlignOneByOne() {
        let pieces = CaptionWordSplitter.split("今天天气很好。")
        let heard = [
            TranscriptWord(start: 0.2, end: 0.8, text: "今天"), TranscriptWord(start: 0.8, end: 1.4, text: "天气"),
            TranscriptWord(start: 1.4, end: 2.0, text: "很好"),
        ]
        let timed = WordAligner.align(pieces, sentence: 0, speech: 0.2...2.0, heard: heard)
        #expect(timed.map(\.text) == ["今", "天", "天", "气", "很", "好。"])
        #expect(timed.allSatisfy { $0.heard })
        #expect(abs(timed[2].start - 0.8) < 1e-9 && abs(timed[5].end - 2.0) < 1e-9)
    }

    @Test func speechSpanLeavesOutSilenceAtBothEnds() {
        var samples = [Float](repeating: 0, count: 16_000)
        for i in 4_000..<12_000 { samples[i] = 0.5 * Float(i % 2 == 0 ? 1 : -1) }
        let audio = AudioBuffer(samples: samples, sampleRate: 16_000)
        let span = CaptionAligner.speechSpan(of: audio, within: SpokenSentence(text: "x", start: 0, end: 1))
        #expect(abs(span.lowerBound - 0.25) < 0.011 && abs(span.upperBound - 0.75) < 0.011)
        let silent = CaptionAligner.speechSpan(
            of: AudioBuffer(samples: [Float](repeating: 0, count: 800), sampleRate: 16_000),
            within: SpokenSentence(text: "x", start: 0, end: 0.05))
        #expect(silent == 0...0.05)
    }
}
