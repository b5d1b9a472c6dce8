import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine

/// The pre-flight that refuses unusable ONNX files, metadata and tokens files before sherpa-onnx sees them, and tokens-file parsing.
extension SherpaOfflineRecognizerTests {
    // MARK: pre-flight: files that are not the model

    /// Random bytes where an ONNX model belongs: refused before sherpa-onnx sees them (which
    /// could end the process), for every family and every ONNX role; the process carries on.
    @Test func garbageOnnxFilesAreRefusedBeforeSherpaOnnx() async throws {
        for family in SherpaRecognizerFamily.allCases {
            for role in family.onnxFileRoles {
                let bad = Self.files(family)[role]!
                let model = try Self.folder(family) { name in
                    name.hasSuffix(".txt") ? Self.goodTokens : (name == bad ? Self.randomBytes(4_096) : try? Self.tinyONNX())
                }
                defer { Self.remove(model) }
                let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
                guard case let .loadFailed(name, reason) = error else {
                    Issue.record("\(family) \(role): \(String(describing: error))")
                    continue
                }
                #expect(name == "rec")
                #expect(reason.contains("its \(role) file '\(bad)' is not a usable ONNX model"), "\(reason)")
            }
        }
        // Still here, and a second attempt fails the same way rather than crashing.
        let model = try Self.folder(.moonshine)
        defer { Self.remove(model) }
        for _ in 0..<2 {
            let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
            #expect(error?.code == "model.load_failed")
        }
    }

    @Test func emptyAndTruncatedOnnxFilesAreRefused() throws {
        let full = try Self.tinyONNX(Self.senseVoiceMetadata)
        for bytes in [Data(), full.prefix(full.count - 3), Data("not onnx at all\n".utf8)] {
            let model = try Self.folder(.senseVoice) { $0.hasSuffix(".txt") ? Self.goodTokens : bytes }
            defer { Self.remove(model) }
            let configuration = try Self.configuration(model)
            let error = Self.modelError { try SherpaRecognizerPreflight.check(configuration) }
            guard case let .loadFailed(_, reason) = error else {
                Issue.record("\(String(describing: error))")
                continue
            }
            #expect(reason.contains("model file 'model.int8.onnx' is not a usable ONNX model"), "\(reason)")
        }
    }

    @Test func malformedTokensFilesAreRefusedWithTheLine() async throws {
        let cases: [(String, String)] = [
            ("a 0\nb 1 extra\n", "line 2 has 3 fields"),
            ("a 0\nb one\n", "line 2: 'one' is not a token id"),
            ("a 0\nb 1.5\n", "line 2: '1.5' is not a token id"),
            ("a 99999999999\n", "line 1: '99999999999' is not a token id"),
            ("", "it holds no tokens"),
            ("\n \n\t\n", "it holds no tokens"),
        ]
        for family in SherpaRecognizerFamily.allCases {
            for (text, expected) in cases {
                let model = try Self.folder(family) { $0.hasSuffix(".txt") ? Data(text.utf8) : try? Self.tinyONNX() }
                defer { Self.remove(model) }
                let tokens = Self.files(family)["tokens"]!
                let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
                guard case let .loadFailed(_, reason) = error else {
                    Issue.record("\(family) \(text.debugDescription): \(String(describing: error))")
                    continue
                }
                #expect(reason.contains("tokens file '\(tokens)' is not a sherpa-onnx tokens file"), "\(reason)")
                #expect(reason.contains(expected), "\(reason)")
            }
        }
    }

    @Test func anUnreadableTokensFileIsRefused() throws {
        let model = try Self.folder(.moonshine)
        defer { Self.remove(model) }
        let missing = model.directory.appendingPathComponent("gone.txt")
        let error = Self.modelError { _ = try SherpaTokensFile.tokenIDs(in: missing, modelID: "rec") }
        guard case let .loadFailed(name, reason) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(name == "rec" && reason.contains("'gone.txt' cannot be read"), "\(reason)")
    }

    // MARK: pre-flight: metadata

    @Test func aWhisperEncoderWithoutMetadataIsRefused() throws {
        let model = try Self.parsingFolder(.whisper, metadata: [:])
        defer { Self.remove(model) }
        let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
        guard case let .loadFailed(_, reason) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(reason.contains("encoder file 'tiny.en-encoder.int8.onnx' has no 'n_mels' metadata"), "\(reason)")
        #expect(reason.contains("not a sherpa-onnx Whisper export"), "\(reason)")
    }

    @Test func eachRequiredMetadataKeyIsChecked() throws {
        for family in SherpaRecognizerFamily.allCases {
            guard let required = family.requiredIntegerMetadata else { continue }
            let (role, keys) = required
            let complete = family == .whisper ? Self.whisperMetadata(multilingual: false) : Self.senseVoiceMetadata
            for key in keys {
                for broken in [nil, "", "-1"] as [String?] {
                    var metadata = complete
                    metadata[key] = broken
                    let model = try Self.parsingFolder(family, metadata: metadata)
                    defer { Self.remove(model) }
                    let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
                    guard case let .loadFailed(_, reason) = error else {
                        Issue.record("\(family) \(key) = \(String(describing: broken)): \(String(describing: error))")
                        continue
                    }
                    let expected = broken == "-1" ? "has a negative '\(key)'" : "has no '\(key)' metadata"
                    #expect(reason.contains("its \(role) file") && reason.contains(expected), "\(reason)")
                }
            }
        }
    }

    @Test func completeMetadataPassesAndTellsWhetherWhisperIsMultilingual() throws {
        let english = try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: false))
        defer { Self.remove(english) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(english)) == false)

        let multilingual = try Self.parsingFolder(
            .whisper, metadata: Self.whisperMetadata(multilingual: true),
            languages: ["en", "zh", "de"], options: ["language": "de"])
        defer { Self.remove(multilingual) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(multilingual)) == true)

        let senseVoice = try Self.parsingFolder(.senseVoice, metadata: Self.senseVoiceMetadata)
        defer { Self.remove(senseVoice) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(senseVoice)) == nil)

        // Moonshine v1 reads no metadata: parsing ONNX files and a good tokens file pass.
        let moonshine = try Self.parsingFolder(.moonshine, metadata: [:])
        defer { Self.remove(moonshine) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(moonshine)) == nil)
    }

    @Test func whisperSequencesAndLanguagesMustBeConsistent() throws {
        let cases: [([String: String?], [String: String], String)] = [
            (["sot_sequence": "50258,x"], [:], "has a malformed 'sot_sequence'"),
            (["sot_sequence": nil], [:], "has no 'sot_sequence' metadata"),
            (["all_language_tokens": nil], [:], "has no 'all_language_tokens' metadata"),
            (["all_language_codes": nil], [:], "has no 'all_language_codes' metadata"),
            (["all_language_tokens": "50259,50260"], [:], "lists 2 language tokens but 3 language codes"),
            (["all_language_tokens": "50259,99999999999,50261"], [:], "malformed 'all_language_tokens'"),
        ]
        for (changes, options, expected) in cases {
            var metadata = Self.whisperMetadata(multilingual: true)
            for (key, value) in changes { metadata[key] = value }
            let model = try Self.parsingFolder(.whisper, metadata: metadata, options: options)
            defer { Self.remove(model) }
            let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
            guard case let .loadFailed(_, reason) = error else {
                Issue.record("\(changes): \(String(describing: error))")
                continue
            }
            #expect(reason.contains(expected), "\(reason)")
        }
    }

    @Test func aWhisperLanguageTheModelDoesNotKnowIsRefused() throws {
        let multilingual = try Self.parsingFolder(
            .whisper, metadata: Self.whisperMetadata(multilingual: true),
            options: ["language": "fr"])
        defer { Self.remove(multilingual) }
        let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(multilingual)) }
        guard case let .invalidManifest(_, reason) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(reason.contains("option language = 'fr' is not a language of this Whisper model"), "\(reason)")
        #expect(reason.contains("en, zh, de"), "\(reason)")

        let english = try Self.parsingFolder(
            .whisper, metadata: Self.whisperMetadata(multilingual: false),
            options: ["language": "de"])
        defer { Self.remove(english) }
        let englishError = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(english)) }
        guard case let .invalidManifest(_, englishReason) = englishError else {
            Issue.record("\(String(describing: englishError))")
            return
        }
        #expect(englishReason.contains("only knows English"), "\(englishReason)")

        let englishAsked = try Self.parsingFolder(
            .whisper, metadata: Self.whisperMetadata(multilingual: false),
            options: ["language": "en"])
        defer { Self.remove(englishAsked) }
        #expect(try SherpaRecognizerPreflight.check(try Self.configuration(englishAsked)) == false)
    }

    @Test func senseVoiceMetadataAndTokensMustMatch() throws {
        var nano = Self.senseVoiceMetadata
        nano["comment"] = "FunASR-Nano export"
        var badMean = Self.senseVoiceMetadata
        badMean["neg_mean"] = "-8.3,abc"
        var noStddev = Self.senseVoiceMetadata
        noStddev["inv_stddev"] = nil
        var bigVocabulary = Self.senseVoiceMetadata
        bigVocabulary["vocab_size"] = "6"
        let cases: [([String: String], Data, String)] = [
            (nano, Self.goodTokens, "is a FunASR-Nano model, not SenseVoice"),
            (badMean, Self.goodTokens, "has a malformed 'neg_mean'"),
            (noStddev, Self.goodTokens, "has no 'inv_stddev' metadata"),
            (bigVocabulary, Self.goodTokens, "tokens file 'tokens.txt' has no token 4 but the model has 6"),
            (Self.senseVoiceMetadata, Data("a 0\nb 1\nd 3\n".utf8), "has no token 2 but the model has 4"),
        ]
        for (metadata, tokens, expected) in cases {
            let model = try Self.parsingFolder(.senseVoice, metadata: metadata, tokens: tokens)
            defer { Self.remove(model) }
            let error = Self.modelError { try SherpaRecognizerPreflight.check(try Self.configuration(model)) }
            guard case let .loadFailed(_, reason) = error else {
                Issue.record("\(expected): \(String(describing: error))")
                continue
            }
            #expect(reason.contains(expected), "\(reason)")
        }
    }

    /// A model our pre-flight cannot tell from a real one (ONNX that parses, complete
    /// metadata) but that ONNX Runtime cannot run: sherpa-onnx must return NULL, which
    /// becomes `loadFailed`, and the process carries on.
    @Test func sherpaOnnxRefusingAModelBecomesLoadFailed() async throws {
        let folders = [
            try Self.parsingFolder(.whisper, metadata: Self.whisperMetadata(multilingual: false)),
            try Self.parsingFolder(.senseVoice, metadata: Self.senseVoiceMetadata),
            try Self.parsingFolder(.moonshine, metadata: [:]),
        ]
        defer { folders.forEach(Self.remove) }
        for model in folders {
            let family = try #require(SherpaRecognizerFamily(engine: model.manifest.engine))
            let error = await Self.loadError { _ = try await SherpaOfflineRecognizer.load(model, threads: 1) }
            guard case let .loadFailed(name, reason) = error else {
                Issue.record("\(family): \(String(describing: error))")
                continue
            }
            #expect(name == "rec")
            #expect(reason.contains("sherpa-onnx refused to create its \(family.displayName) recognizer"), "\(reason)")
            #expect(reason.contains(family.requiredFileRoles.joined(separator: ", ")), "\(reason)")
        }
    }

    // MARK: tokens files

    @Test func tokenIDsAreReadTheWaySherpaOnnxReadsThem() throws {
        let text = "<blk> 0\n▁the\t1\r\n\n   2\n<0x0A> +3\nneg -1\n   \n"
        #expect(try SherpaTokensFile.parseTokenIDs(Data(text.utf8)) == [0, 1, 2, 3, -1])
        // Symbols are bytes, not necessarily UTF-8; a file without a final newline is fine.
        #expect(try SherpaTokensFile.parseTokenIDs(Data([0xFF, 0xFE, 0x20, 0x37, 0x0A, 0x80, 0x09, 0x38])) == [7, 8])
        // A lone field is the id of the space symbol, read like C atoi.
        #expect(try SherpaTokensFile.parseTokenIDs(Data("12abc\n".utf8)) == [12])
    }

    @Test func malformedTokenLinesAreRefused() {
        let cases: [(String, String)] = [
            ("a 0\nb c 1\n", "line 2 has 3 fields; expected 'symbol id'"),
            ("a 1 2 3\n", "line 1 has 4 fields; expected 'symbol id'"),
            ("a x\n", "line 1: 'x' is not a token id"),
            ("a 0x10\n", "line 1: '0x10' is not a token id"),
            ("a -\n", "line 1: '-' is not a token id"),
            ("a ٣\n", "line 1: '٣' is not a token id"),
            ("a 2147483648\n", "line 1: '2147483648' is not a token id"),
            ("", "it holds no tokens"),
            ("\r\n\r\n", "it holds no tokens"),
        ]
        for (text, expected) in cases {
            #expect(throws: SherpaTokensFile.Problem(description: expected), "\(text.debugDescription)") {
                _ = try SherpaTokensFile.parseTokenIDs(Data(text.utf8))
            }
        }
    }

    @Test func cIntegerBehavesLikeAtoi() {
        let cases: [(String, Int)] = [
            ("42", 42), ("  -7", -7), ("+5", 5), ("12abc", 12), ("abc", 0), ("", 0), ("-", 0),
            ("99999999999", Int(Int32.max) + 1),
        ]
        for (text, value) in cases { #expect(SherpaTokensFile.cInteger(text) == value, "\(text)") }
    }
}
