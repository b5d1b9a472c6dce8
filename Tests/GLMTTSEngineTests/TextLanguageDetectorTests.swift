import Testing

@testable import GLMTTSEngine

@Suite struct TextLanguageDetectorTests {
    @Test(arguments: [
        ("今天天气很好。", "zh"),
        ("今日は良い天気ですね。", "ja"),
        ("안녕하세요.", "ko"),
        ("Hello, how are you?", "en"),
        ("Der Hund und die Katze sind nicht hier.", "de"),
        ("Je pense que nous allons dans le parc.", "fr"),
        ("The café is on the left.", "en"),
        ("我在用 iPhone 打电话。", "zh"),
    ])
    func sentencesGetTheLanguageOfTheirScriptAndWords(text: String, expected: String) {
        #expect(TextLanguageDetector.language(of: text) == expected)
    }

    @Test func aStrayForeignWordDoesNotChangeEnglish() {
        #expect(TextLanguageDetector.language(of: "We met at the Café de la Paix.") == "en")
    }

    @Test func mixedTextIsDetectedSentenceBySentence() {
        let spans = TextLanguageDetector.sentences("Hello there. 你好，世界。こんにちは。")
        #expect(spans.map(\.language) == ["en", "zh", "ja"])
        #expect(TextLanguageDetector.languages(of: "你好。我很好。Thanks.") == ["zh", "en"])
    }

    @Test func sentencesWithoutLettersTakeTheirNeighboursLanguage() {
        #expect(TextLanguageDetector.sentences("今天是星期一。2024！").map(\.language) == ["zh", "zh"])
        #expect(TextLanguageDetector.sentences("2024! Hello.").map(\.language) == ["en", "en"])
    }

    @Test func textWithoutLettersHasNoLanguage() {
        #expect(TextLanguageDetector.languages(of: "2024 12 31").isEmpty)
        #expect(TextLanguageDetector.language(of: "!!!") == nil)
    }

    @Test func languageTagsCompareByTheirPrimaryLanguage() {
        #expect(LanguageCode.primary("en-US") == "en")
        #expect(LanguageCode.primary("cmn") == "zh")
        #expect(LanguageCode.primary("zh_Hans_CN") == "zh")
        #expect(LanguageCode.covers(["en-US"], "en"))
        #expect(LanguageCode.covers(["*"], "ja"))
        #expect(!LanguageCode.covers(["en-US"], "zh"))
        #expect(LanguageCode.name("cmn") == "Mandarin Chinese")
    }
}
