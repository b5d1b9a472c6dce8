import Testing

@testable import GLMTTSEngine

@Suite struct TextValidatorTests {
    // MARK: - Errors

    private func expectError(
        _ raw: String, _ expected: TextError, limits: TextLimits = .default,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let text = try TextValidator.prepare(raw, limits: limits)
            Issue.record("expected \(expected), got \(text.debugDescription)", sourceLocation: sourceLocation)
        } catch let error as TextError {
            #expect(error == expected, sourceLocation: sourceLocation)
            #expect(error.category == .invalidInput, sourceLocation: sourceLocation)
            #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func emptyAndWhitespaceOnlyAreEmpty() {
        expectError("", .empty)
        expectError("   ", .empty)
        expectError(" \n\t\r\n \u{3000}\u{00A0}\u{2029} ", .empty)
    }

    @Test func invisibleCharactersOnlyAreRejected() {
        expectError("\u{200B}\u{200B}", .invisibleOnly)
        expectError("\u{FEFF}\u{200E}\u{202E}\u{2066}\u{2069}\u{00AD}\u{2060}", .invisibleOnly)
        expectError("\u{0}", .invisibleOnly)
        expectError("\u{7}\u{7} \u{0}", .invisibleOnly)
        expectError("\u{1B}[31m", .invisibleOnly)
        expectError("\u{1B}[1;32m\u{1B}[0m\u{1B}]0;title\u{7}", .invisibleOnly)
        expectError("\u{80}\u{9F}\u{7F}", .invisibleOnly)
        expectError("\u{E000}\u{F8FF}", .invisibleOnly)
    }

    @Test func emojiOrPunctuationOnlyHaveNothingToSpeak() {
        expectError("😀", .noSpeakableContent)
        expectError("👨‍👩‍👧‍👦 🇫🇷 👍🏽 ❤️ ☀", .noSpeakableContent)
        expectError("... !!! ???", .noSpeakableContent)
        expectError("—, 。！", .noSpeakableContent)
        expectError("\u{200B}🙂\u{200B}", .noSpeakableContent)
    }

    @Test func errorCodesAreStable() {
        #expect(TextError.empty.code == "text.empty")
        #expect(TextError.invisibleOnly.code == "text.invisible_only")
        #expect(TextError.tooLong(characters: 2, limit: 1).code == "text.too_long")
        #expect(TextError.inputTooLarge(bytes: 2, limit: 1).code == "text.input_too_large")
        #expect(TextError.noSpeakableContent.code == "text.no_speakable_content")
        #expect(TextError.invalidEncoding(byteOffset: 0).code == "text.invalid_encoding")
    }

    @Test func oneMegabyteIsTooLongWithAClearMessage() {
        let raw = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 1_048_576 / 45 + 1)
        #expect(raw.utf8.count > 1_000_000)
        do {
            _ = try TextValidator.prepare(raw)
            Issue.record("expected tooLong")
        } catch let error as TextError {
            guard case let .tooLong(characters, limit) = error else {
                Issue.record("expected tooLong, got \(error)")
                return
            }
            #expect(limit == 5_000)
            #expect(characters == raw.count - 1)  // the trailing space is trimmed
            #expect(error.message.contains("\(characters)"))
            #expect(error.message.contains("5000"))
            #expect(error.message.contains("batch API"))
            #expect(error.message.contains("Split"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func limitCountsGraphemesAfterCleaning() throws {
        let limits = TextLimits(maxCharacters: 5)
        // Five graphemes: the decomposed é is one character; whitespace and invisibles are removed.
        #expect(try TextValidator.prepare("  cafe\u{301}\u{200B}!   ", limits: limits) == "café!")
        expectError("abcdef", .tooLong(characters: 6, limit: 5), limits: limits)
        expectError("ab  \u{200B}  cd", .tooLong(characters: 5, limit: 4), limits: TextLimits(maxCharacters: 4))
    }

    @Test func aCharacterUnderAPileOfCombiningMarksIsRefused() {
        // One grapheme cluster, so the character limit alone would let 2 MB through.
        expectError("Hello a" + String(repeating: "\u{301}", count: 1_000_000), .characterTooComplex(limit: 32))
        #expect(TextError.characterTooComplex(limit: 32).code == "text.character_too_complex")
        // Real stacks and emoji sequences stay far below the limit.
        #expect(throws: Never.self) { try TextValidator.prepare("Vi\u{1EC7}t a\u{301}\u{302}\u{303}\u{304}\u{305} ok") }
        #expect(throws: Never.self) {
            try TextValidator.prepare("Family \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466} here")
        }
    }

    @Test func rawInputGuardRefusesHugeInputBeforeCleaning() {
        expectError(
            String(repeating: " ", count: 101) + "a", .inputTooLarge(bytes: 102, limit: 100),
            limits: TextLimits(maxInputBytes: 100))
        #expect(TextError.inputTooLarge(bytes: 102, limit: 100).message.contains("batch API"))
    }

    // MARK: - Cleaning

    @Test func whitespaceIsCollapsedAndTrimmed() throws {
        #expect(try TextValidator.prepare("  Hello \t\u{00A0}  world  ") == "Hello world")
        #expect(try TextValidator.prepare("One.\r\nTwo.\rThree.") == "One.\nTwo.\nThree.")
        #expect(try TextValidator.prepare("Para one.\n \n\n  Para two.\u{2029}Three") == "Para one.\n\nPara two.\n\nThree")
        #expect(try TextValidator.prepare("a\u{2028}b\u{85}c") == "a\nb\nc")
    }

    @Test func controlCharactersAndEscapesAreStripped() throws {
        #expect(try TextValidator.prepare("He\u{0}llo\u{7} world") == "Hello world")
        #expect(try TextValidator.prepare("\u{1B}[31mred\u{1B}[0m text") == "red text")
        #expect(try TextValidator.prepare("\u{1B}]0;window title\u{7}visible") == "visible")
        #expect(try TextValidator.prepare("\u{1B}]8;;http://x\u{1B}\\link\u{1B}]8;;\u{1B}\\") == "link")
        #expect(try TextValidator.prepare("a\u{9B}b\u{1F}c") == "abc")
    }

    @Test func zeroWidthAndBidiControlsAreRemoved() throws {
        #expect(try TextValidator.prepare("zero\u{200B}width\u{FEFF}") == "zerowidth")
        #expect(try TextValidator.prepare("\u{202B}שלום\u{202C} and \u{2067}مرحبا\u{2069}") == "שלום and مرحبا")
        #expect(try TextValidator.prepare("soft\u{00AD}hyphen") == "softhyphen")
    }

    @Test func emojiInsideTextAreRemoved() throws {
        #expect(try TextValidator.prepare("I love 🍕 and 👨‍👩‍👧 very much! 🎉") == "I love and very much!")
        #expect(try TextValidator.prepare("Thumbs 👍🏽 up, flag 🇯🇵, heart ❤️ sun ☀ done") == "Thumbs up, flag, heart sun done")
        #expect(try TextValidator.prepare("Press 1️⃣ or #️⃣") == "Press 1 or #")
        #expect(try TextValidator.prepare("Hi 👋 , there") == "Hi , there")  // the user's own space stays
        #expect(try TextValidator.prepare("©2024 ACME™, 50% off, 5 * 3") == "©2024 ACME™, 50% off, 5 * 3")
    }

    @Test func mixedScriptsAreKept() throws {
        let raw = "Hello 世界, Привет мир, こんにちは, 안녕하세요, مرحبا, Γειά σου, नमस्ते, สวัสดี"
        #expect(try TextValidator.prepare(raw) == raw)
    }

    @Test func outputIsNFC() throws {
        let text = try TextValidator.prepare("cafe\u{301} A\u{30A} \u{1100}\u{1161}")
        #expect(Array(text.unicodeScalars) == Array("caf\u{E9} \u{C5} \u{AC00}".unicodeScalars))
    }

    // MARK: - Bytes

    @Test func decodesValidUTF8() throws {
        #expect(try TextValidator.decodeUTF8(Array("Grüße 世界 😀".utf8)) == "Grüße 世界 😀")
        #expect(try TextValidator.decodeUTF8([UInt8]()) == "")
        #expect(try TextValidator.prepare(TextValidator.decodeUTF8([0xEF, 0xBB, 0xBF] + Array("hi".utf8))) == "hi")
    }

    @Test(
        arguments: [
            ([0x61, 0x62, 0xFF], 2),  // invalid byte
            ([0x61, 0xC3], 1),  // truncated sequence
            ([0xC0, 0xAF], 0),  // overlong encoding
            ([0x61, 0xED, 0xA0, 0x80], 1),  // encoded surrogate
            ([0x61, 0x62, 0x63, 0x80, 0x61], 3),  // stray continuation byte
        ] as [([UInt8], Int)])
    func rejectsInvalidUTF8(bytes: [UInt8], offset: Int) {
        #expect(throws: TextError.invalidEncoding(byteOffset: offset)) {
            try TextValidator.decodeUTF8(bytes)
        }
        #expect(TextError.invalidEncoding(byteOffset: offset).message.contains("UTF-8"))
    }

    // MARK: - Chunks

    @Test func prepareChunksCombinesValidationAndSplitting() throws {
        let chunks = try TextValidator.prepareChunks("  First one. 😀 Second one!\n\nThird ", limits: TextLimits(maxChunkCharacters: 50))
        #expect(chunks == ["First one.", "Second one!", "Third"])
        #expect(throws: TextError.noSpeakableContent) { try TextValidator.prepareChunks("🙂 ...") }
    }
}
