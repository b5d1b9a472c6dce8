import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

@Suite struct SentenceSplitterTests {
    private func split(_ text: String, max: Int = 300) -> [String] {
        SentenceSplitter.split(text, maxChunkCharacters: max)
    }

    /// Letters and digits of a text, in order: what must survive splitting.
    private func speakable(_ text: String) -> String {
        String(text.filter { $0.isLetter || $0.isNumber })
    }

    /// The promises every split must keep.
    private func checkInvariants(
        _ input: String, _ chunks: [String], max: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for chunk in chunks {
            #expect(!chunk.isEmpty, sourceLocation: sourceLocation)
            #expect(chunk.count <= max, "\(chunk.debugDescription) has \(chunk.count) > \(max)", sourceLocation: sourceLocation)
            #expect(chunk == chunk.trimmingWhitespaceForTest(), sourceLocation: sourceLocation)
            #expect(chunk.contains { $0.isLetter || $0.isNumber }, sourceLocation: sourceLocation)
        }
        #expect(speakable(chunks.joined()) == speakable(input), sourceLocation: sourceLocation)
    }

    // MARK: - English

    @Test func tenSentenceParagraphGivesTenChunks() {
        let sentences = [
            "The morning was cold and bright.",
            "Anna opened the window and listened.",
            "Somewhere a dog was barking!",
            "Was it the neighbour's dog again?",
            "She could not tell.",
            "The kettle began to whistle, but she ignored it.",
            "Her phone buzzed twice on the table.",
            "It was a message from her brother.",
            "He would arrive at noon with the children.",
            "She smiled, closed the window, and went to make tea.",
        ]
        let chunks = split(sentences.joined(separator: " "))
        #expect(chunks.count == 10)
        #expect(chunks == sentences)
    }

    @Test func semicolonEndsASentence() {
        #expect(split("The kettle whistled; she ignored it.") == ["The kettle whistled;", "she ignored it."])
        #expect(split("a;b") == ["a;b"])
    }

    @Test func abbreviationsDoNotEndSentences() {
        #expect(
            split("Mr. Smith met Dr. Jones at 5 p.m. yesterday. They talked.") == [
                "Mr. Smith met Dr. Jones at 5 p.m. yesterday.", "They talked.",
            ])
        #expect(
            split("Bring fruit, e.g. apples, i.e. something sweet. Thanks.") == [
                "Bring fruit, e.g. apples, i.e. something sweet.", "Thanks.",
            ])
        #expect(
            split("He moved to the U.S. in 1999 with Prof. Lee. Then he left.") == [
                "He moved to the U.S. in 1999 with Prof. Lee.", "Then he left.",
            ])
        #expect(
            split("Pens, paper, etc. are on the desk. J. R. R. Tolkien wrote it.") == [
                "Pens, paper, etc. are on the desk.", "J. R. R. Tolkien wrote it.",
            ])
    }

    @Test func datesNumbersAndListMarkers() {
        #expect(
            split("We met on Jan. 5th at noon. See No. 7 and Vol. 2 there. Say no. Then go.") == [
                "We met on Jan. 5th at noon.", "See No. 7 and Vol. 2 there.", "Say no.", "Then go.",
            ])
        #expect(split("1. First item\n2. Second item\n10. Tenth") == ["1. First item", "2. Second item", "10. Tenth"])
        #expect(split("I have 2. You have 3.") == ["I have 2.", "You have 3."])
    }

    @Test func decimalsAndDottedWordsDoNotSplit() {
        #expect(
            split("Pi is about 3.14159. The rate rose 2.5% to 1,000.50 dollars.") == [
                "Pi is about 3.14159.", "The rate rose 2.5% to 1,000.50 dollars.",
            ])
        #expect(split("Visit example.com today. Version 2.0.1 is out!") == ["Visit example.com today.", "Version 2.0.1 is out!"])
        #expect(split("It costs 3. Not 4.") == ["It costs 3.", "Not 4."])
    }

    @Test func ellipsisSplitsOnlyBeforeACapital() {
        #expect(
            split("Well… maybe not. Wait... what was that? I thought… Then it stopped. So... “Who?”") == [
                "Well… maybe not.", "Wait... what was that?", "I thought…", "Then it stopped.", "So...", "“Who?”",
            ])
        #expect(split("And then...") == ["And then..."])
    }

    @Test func closingQuotesStayWithTheirSentence() {
        #expect(
            split("\"Hello.\" she said. (It was late.) 'Really?' Yes!") == [
                "\"Hello.\"", "she said.", "(It was late.)", "'Really?'", "Yes!",
            ])
        #expect(split("“Stop!” he shouted. «Non.» Fine.") == ["“Stop!”", "he shouted.", "«Non.»", "Fine."])
    }

    @Test func shortFragmentsStayAndSymbolOnlyPiecesMerge() {
        #expect(split("OK. Go!") == ["OK.", "Go!"])
        #expect(split("Hello. ... World.") == ["Hello. ...", "World."])
        #expect(split("... Hello.") == ["... Hello."])
        #expect(split("!!! ??? ...") == [])
        #expect(split("") == [])
        #expect(split("   \n\n  ") == [])
    }

    @Test func lineBreaksEndSentencesUnlessTheLineContinues() {
        #expect(split("Title\nFirst paragraph here.\n\nSecond paragraph") == ["Title", "First paragraph here.", "Second paragraph"])
        #expect(
            split("This sentence was\nwrapped by an editor.\n- item one\n- item two") == [
                "This sentence was wrapped by an editor.", "- item one", "- item two",
            ])
        #expect(split("lower start\n\nnew paragraph") == ["lower start", "new paragraph"])
    }

    // MARK: - CJK

    @Test func mandarinSplitsAfterFullWidthTerminators() {
        #expect(split("今天天气很好。我们去公园吧！你想去吗？好的；走吧") == ["今天天气很好。", "我们去公园吧！", "你想去吗？", "好的；", "走吧"])
        #expect(split("他说：「你好。」然后走了。") == ["他说：「你好。」", "然后走了。"])
        #expect(split("我不知道……然后呢？") == ["我不知道……", "然后呢？"])
        #expect(split("价格是３．５元．好") == ["价格是３．５元．", "好"])
    }

    @Test func japaneseSplitsAfterMaru() {
        #expect(split("今日は良い天気です。散歩に行きましょう。「はい。」と彼は言った。") == ["今日は良い天気です。", "散歩に行きましょう。", "「はい。」", "と彼は言った。"])
    }

    @Test func mixedEnglishAndChinese() {
        #expect(split("我喜欢 Swift 语言。It is fast! 你呢？Me too.") == ["我喜欢 Swift 语言。", "It is fast!", "你呢？", "Me too."])
        #expect(split("你好!我是小明.Nice to meet you.") == ["你好!", "我是小明.", "Nice to meet you."])
    }

    // MARK: - Long sentences

    @Test func longSentenceWithoutPunctuationSplitsAtWhitespace() {
        let words = (0..<400).map { "word\($0)" }
        let input = words.joined(separator: " ")
        #expect(input.count > 2000)
        let chunks = split(input, max: 100)
        checkInvariants(input, chunks, max: 100)
        #expect(chunks.count > 20)
        // Cuts fall on spaces: every chunk is made of whole words.
        #expect(chunks.joined(separator: " ") == input)
    }

    @Test func longSentencePrefersClausePunctuation() {
        let clause = "this clause is about forty characters, "
        let input = String(repeating: clause, count: 10) + "end."
        let chunks = split(input, max: 100)
        checkInvariants(input, chunks, max: 100)
        for chunk in chunks.dropLast() {
            #expect(chunk.hasSuffix(","))
        }
    }

    @Test func numbersWithCommasAreNotClauseBreaks() {
        let input = "aaaa bbbb cccc 1,000,000 dddd"
        let chunks = split(input, max: 20)
        checkInvariants(input, chunks, max: 20)
        #expect(chunks.contains { $0.contains("1,000,000") })
    }

    @Test func longCJKRunIsHardSplitAtTheMaximum() {
        let input = String(repeating: "中文文本没有标点符号", count: 50)
        let chunks = split(input, max: 64)
        checkInvariants(input, chunks, max: 64)
        #expect(chunks.dropLast().allSatisfy { $0.count == 64 })
        #expect(chunks.joined() == input)
    }

    @Test func hardSplitsNeverBreakGraphemeClusters() {
        // "é" as e + U+0301 and Devanagari clusters: each is one Character of two scalars.
        let decomposed = "e\u{301}"
        let input = String(repeating: "漢" + decomposed + "क्ष", count: 200)
        let chunks = split(input, max: 37)
        checkInvariants(input, chunks, max: 37)
        #expect(chunks.joined() == input)
        for chunk in chunks {
            #expect(chunk.unicodeScalars.first != "\u{301}")
            #expect(chunk.unicodeScalars.first != "\u{94D}")
        }
        let unicodeScalarsIn = input.unicodeScalars.count
        #expect(chunks.reduce(0) { $0 + $1.unicodeScalars.count } == unicodeScalarsIn)
    }

    @Test func hardSplitInLatinBacksUpToAWordStart() {
        let input = "short " + String(repeating: "x", count: 30) + " " + String(repeating: "y", count: 500)
        let chunks = split(input, max: 40)
        checkInvariants(input, chunks, max: 40)
        #expect(chunks.first == "short " + String(repeating: "x", count: 30))
    }

    @Test func tinyMaximumStillWorks() {
        let input = "Hi. 你好！ok"
        let chunks = split(input, max: 1)
        checkInvariants(input, chunks, max: 1)
        #expect(split("abc", max: 0) == ["a", "b", "c"])
    }

    // MARK: - Property

    @Test(arguments: [300, 80, 25, 7])
    func chunksKeepAllSpeakableContentInOrder(max: Int) {
        let inputs = [
            "Simple sentence. Another one! And a question? Yes; indeed.",
            "Mr. Brown paid $3.50 for 2.5 kg of apples at 10:30 a.m. on Jan. 5th, e.g. cheap.",
            "“Quoted.” (Bracketed!) 'Single?' «Guillemets.» ... !!! ??? ……",
            "今天天气很好。我们去公园吧！你想去吗？好的；走吧……然后呢",
            "日本語の文章です。カタカナも、ひらがなも、漢字も。",
            "한국어 문장입니다. 정말요? 네!",
            "Привет. Как дела? Всё хорошо, спасибо!",
            "مرحبا بكم. كيف حالكم؟",
            "Mixed 中文 and English。Then more English, with commas, colons: and dashes — here.",
            String(repeating: "Lorem ipsum dolor sit amet consectetur ", count: 60),
            String(repeating: "长句子没有任何标点符号但是非常非常长", count: 40),
            String(repeating: "a\u{301}ब्र", count: 150) + ". End.",
            "Line one\nline two\n\nParagraph\r\nthree\u{2029}four",
            "1. First item\n2. Second item\n3. Third",
            "x",
            "...",
        ]
        for input in inputs {
            checkInvariants(input, split(input, max: max), max: max)
        }
    }

    @Test(arguments: [1, 5, 30, 120])
    func randomTextsKeepTheInvariants(max: Int) {
        // Deterministic pseudo-random texts built from the characters the rules care about.
        let alphabet: [String] = [
            "a", "Z", "é", "e\u{301}", "7", "中", "の", "한", "я", "क्ष", " ", " ", " ", "\n", "\n\n",
            ".", ".", "!", "?", ";", ",", ":", "…", "...", "。", "！", "？", "；", "，", "、", "．",
            "\"", "”", "」", ")", "(", "—", "Mr.", "e.g.", "U.S.", "3.14", "1,000", "No. 5", "😀",
        ]
        var generator = SplitMix64(seed: UInt64(max))
        for _ in 0..<150 {
            let length = Int(generator.next() % 120)
            var input = ""
            for _ in 0..<length {
                input += alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }
            checkInvariants(input, split(input, max: max), max: max)
        }
    }
}

private extension String {
    func trimmingWhitespaceForTest() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
