import Testing

@testable import GLMTTSEngine

@Suite struct TextScriptDetectorTests {
    @Test(arguments: [
        ("Hello, how are you today?", "en"),
        ("今天天气很好。我们去公园吧！", "cmn"),
        ("今日は良い天気ですね。", "ja"),
        ("カタカナだけ", "ja"),
        ("안녕하세요, 반갑습니다.", "ko"),
        ("Привет, как дела?", "ru"),
        ("Καλημέρα σας", "el"),
        ("مرحبا بالعالم", "ar"),
        ("שלום עולם", "he"),
        ("नमस्ते दुनिया", "hi"),
        ("สวัสดีครับ", "th"),
        ("我在用 iPhone 打电话给妈妈。", "cmn"),
        ("I visited 北京 last summer with my family.", "en"),
    ])
    func hintsFollowTheDominantScript(text: String, expected: String) {
        #expect(ScriptDetector.dominantLanguageHint(text) == expected)
    }

    @Test func noLettersGivesNoHint() {
        #expect(ScriptDetector.dominantLanguageHint("") == nil)
        #expect(ScriptDetector.dominantLanguageHint("123 456 !!! 😀") == nil)
    }
}
