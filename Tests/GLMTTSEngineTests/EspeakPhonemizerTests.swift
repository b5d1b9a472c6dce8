import Testing

@testable import GLMTTSEngine

@Suite struct EspeakPhonemizerTests {
    let phonemizer = EspeakPhonemizer(voice: "en-us")

    @Test func keepsClausePunctuation() throws {
        let sentences = try phonemizer.phonemize("Hello, world! Is it raining? Yes; it is: heavily.")
        #expect(sentences.count == 3)
        #expect(sentences[0].hasSuffix("!"))
        #expect(sentences[0].contains(","))
        #expect(sentences[1].hasSuffix("?"))
        #expect(sentences[2].contains(";"))
        #expect(sentences[2].contains(":"))
        #expect(sentences[2].hasSuffix("."))
    }

    @Test func producesIPA() throws {
        let sentences = try phonemizer.phonemize("Hello")
        #expect(sentences == ["həlˈoʊ".decomposedStringWithCanonicalMapping])
    }

    @Test func closingQuoteDoesNotHidePunctuation() throws {
        let sentences = try phonemizer.phonemize("He said \"yes.\" Then he left.")
        #expect(sentences.count == 2)
        #expect(sentences.allSatisfy { $0.hasSuffix(".") })
    }

    @Test func emptyAndPunctuationOnlyGiveNothing() throws {
        #expect(try phonemizer.phonemize("").isEmpty)
        #expect(try phonemizer.phonemize("   ").isEmpty)
    }

    @Test func unknownVoiceIsATypedError() {
        #expect(throws: EspeakError.unknownVoice("xx-not-a-voice")) {
            try EspeakPhonemizer(voice: "xx-not-a-voice").phonemize("hello")
        }
    }

    @Test func trailingPunctuationSkipsReadAheadAndQuotes() {
        #expect(EspeakPhonemizer.trailingPunctuation(of: "Hello, w", readAhead: true) == ",")
        #expect(EspeakPhonemizer.trailingPunctuation(of: "Quoted.\"", readAhead: false) == ".")
        #expect(EspeakPhonemizer.trailingPunctuation(of: "es. \"", readAhead: true) == ".")
        #expect(EspeakPhonemizer.trailingPunctuation(of: " End", readAhead: false) == nil)
    }
}
