import GLMTTSEngine
import Testing

@testable import GLMTTSServer

@Suite struct SubtitleWriterTests {
    private func word(_ text: String, _ start: Double, sentence: Int = 0) -> CaptionWord {
        CaptionWord(text: text, start: start, end: start + 0.2, sentence: sentence, heard: true)
    }

    private func captions(_ words: [CaptionWord]) -> Captions {
        Captions(words: words, sentences: [], duration: 100, recognizer: nil, estimatedBecause: nil, alignmentSeconds: 0)
    }

    @Test func cuesFollowSentencesAndCutLongOnesAtWords() {
        let long = (0..<40).map { word("word\($0)", 1 + Double($0) * 0.25, sentence: 1) }
        let cues = SubtitleWriter.cues(captions([word("Hi.", 0), word("There", 0.2)] + long))
        #expect(cues.first == SubtitleCue(start: 0, end: 0.4, text: "Hi. There"))
        #expect(cues.count > 3 && cues.dropFirst().allSatisfy { $0.text.count <= SubtitleWriter.maxCueCharacters })
        #expect(cues.dropFirst().map(\.text).joined(separator: " ") == long.map(\.text).joined(separator: " "))
        for (a, b) in zip(cues, cues.dropFirst()) { #expect(a.end <= b.start) }
        #expect(SubtitleWriter.cues(captions([])).isEmpty)
    }

    @Test func chineseWordsJoinWithoutSpacesAndLatinOnesWithThem() {
        #expect(SubtitleWriter.joined(["今", "天", "好，", "OK", "「你", "好」。"]) == "今天好， OK 「你好」。")
    }

    @Test func cueTextCannotEndTheCueOrCarryMarkup() {
        let cue = SubtitleCue(start: 1, end: 2, text: "a --> b <i>&\n\nc")
        #expect(SubtitleWriter.write([cue], vtt: true) == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na -&gt; b &lt;i&gt;&amp; c\n\n")
        #expect(SubtitleWriter.write([cue], vtt: false) == "1\n00:00:01,000 --> 00:00:02,000\na -> b <i>& c\n\n")
    }
}
