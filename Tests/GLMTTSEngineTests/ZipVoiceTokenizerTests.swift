import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The ZipVoice tokenizer, with real espeak-ng and a hand-written vocabulary and lexicon in
/// the published pack's formats (`TOKEN<TAB>ID`; `WORD TOKEN …`).
@Suite struct ZipVoiceTokenizerTests {
    static let lexicon = ZipVoiceTokenizer.parseLexicon(
        """
        你 n0 i3
        好 h0 ao3
        你好 n0 i2 h0 ao3
        世界 sh0 i4 j0 ie4
        """)

    /// Every IPA scalar espeak-ng produces for `text`, plus the pinyin tokens and punctuation.
    static func tokenizer(coveringIPAOf text: String) throws -> ZipVoiceTokenizer {
        let ipa = try EspeakPhonemizer(voice: "en-us").phonemize(text).joined()
        let pinyin = Set(lexicon.values.flatMap { $0 })
        let vocabulary = Set(ipa.unicodeScalars.map { String($0) }).union(pinyin).union([",", ".", "!", "?", " "])
        return ZipVoiceTokenizer(vocabulary: vocabulary, lexicon: lexicon, espeakVoice: "en-us")
    }

    @Test func tokensFilesParseLikeSherpaOnnx() {
        let tokens = ZipVoiceTokenizer.parseTokens("_\t0\n \t1\nə\t2\nzh0\t3\nong1 4\r\nbroken\n\t5\nx\tnotanumber\n")
        #expect(tokens == ["_", " ", "ə", "zh0", "ong1"])
        #expect(ZipVoiceTokenizer.parseTokens("").isEmpty)
        #expect(ZipVoiceTokenizer.parseTokens("\u{0}\u{1}garbage").isEmpty)
    }

    @Test func lexiconsParseAndKeepTheFirstEntry() {
        let lexicon = ZipVoiceTokenizer.parseLexicon("好 h0 ao3\n好 h0 ao4\n单\n\n行长 h0 ang2 zh0 ang3\n")
        #expect(lexicon == ["好": ["h0", "ao3"], "行长": ["h0", "ang2", "zh0", "ang3"]])
        #expect(ZipVoiceTokenizer(vocabulary: [], lexicon: lexicon, espeakVoice: "en-us").maxPhraseLength == 2)
    }

    @Test func textSplitsIntoChineseAndOtherRuns() {
        let segments = ZipVoiceTokenizer.segments("你好，world! 世界。")
        #expect(segments.map(\.text) == ["你好,", "world! ", "世界."])
        #expect(segments.map(\.chinese) == [true, false, true])
        #expect(ZipVoiceTokenizer.segments("").isEmpty)
        #expect(ZipVoiceTokenizer.segments("123 ").map(\.chinese) == [false])
    }

    @Test func chineseUsesTheLongestLexiconMatch() throws {
        let tokenizer = try Self.tokenizer(coveringIPAOf: "a")
        #expect(tokenizer.chineseTokens("你好世界") == ["n0", "i2", "h0", "ao3", "sh0", "i4", "j0", "ie4"])
        #expect(tokenizer.chineseTokens("好你") == ["h0", "ao3", "n0", "i3"])
        #expect(try tokenizer.tokens(for: "你好。") == ["n0", "i2", "h0", "ao3", "."])
        // A character the lexicon lacks is kept only if it is a token itself: here it is not.
        #expect(try tokenizer.tokens(for: "猫") == [])
    }

    @Test func otherTextBecomesEspeakIPACodepoints() throws {
        let text = "Hello, world."
        let tokenizer = try Self.tokenizer(coveringIPAOf: text)
        let tokens = try tokenizer.tokens(for: text)
        let ipa = try EspeakPhonemizer(voice: "en-us").phonemize(text).joined()
        #expect(tokens == ipa.unicodeScalars.map { String($0) })
        #expect(tokens.contains(",") && tokens.last == ".")
        #expect(tokens.allSatisfy { $0.unicodeScalars.count == 1 })
    }

    @Test func mixedTextKeepsOrderAndDropsUnknownTokens() throws {
        let tokenizer = try Self.tokenizer(coveringIPAOf: "OK")
        let tokens = try tokenizer.tokens(for: "你好 OK 世界")
        #expect(Array(tokens.prefix(4)) == ["n0", "i2", "h0", "ao3"])
        #expect(Array(tokens.suffix(4)) == ["sh0", "i4", "j0", "ie4"])
        #expect(tokens.count > 8)
        #expect(tokens.allSatisfy(tokenizer.vocabulary.contains))
        let narrow = ZipVoiceTokenizer(vocabulary: ["n0"], lexicon: Self.lexicon, espeakVoice: "en-us")
        #expect(try narrow.tokens(for: "你好 OK") == ["n0"])
    }

    @Test func nothingPronounceableGivesNoTokens() throws {
        let tokenizer = try Self.tokenizer(coveringIPAOf: "a")
        #expect(try tokenizer.tokens(for: "") == [])
        #expect(try tokenizer.tokens(for: "   ") == [])
        #expect(try tokenizer.tokens(for: "🙂🙂") == [])
    }

    @Test func unreadableOrEmptyTokenFilesAreTypedErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zvt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("tokens.txt")
        try Data().write(to: empty)
        #expect(throws: ModelError.self) {
            _ = try ZipVoiceTokenizer(tokensFile: empty, lexiconFile: nil, espeakVoice: "en-us", modelID: "zs")
        }
        let binary = directory.appendingPathComponent("binary.txt")
        try Data([0xFF, 0xFE, 0xC0, 0x80, 0x00]).write(to: binary)
        #expect(throws: ModelError.self) {
            _ = try ZipVoiceTokenizer(tokensFile: binary, lexiconFile: nil, espeakVoice: "en-us", modelID: "zs")
        }
        let good = directory.appendingPathComponent("good.txt")
        try Data("_\t0\nn0\t1\ni3\t2\n".utf8).write(to: good)
        let lexicon = directory.appendingPathComponent("lexicon.txt")
        try Data("你 n0 i3\n".utf8).write(to: lexicon)
        let tokenizer = try ZipVoiceTokenizer(tokensFile: good, lexiconFile: lexicon, espeakVoice: "en-us", modelID: "zs")
        #expect(try tokenizer.tokens(for: "你") == ["n0", "i3"])
        #expect(throws: ModelError.self) {
            _ = try ZipVoiceTokenizer(tokensFile: good, lexiconFile: binary, espeakVoice: "en-us", modelID: "zs")
        }
    }
}
