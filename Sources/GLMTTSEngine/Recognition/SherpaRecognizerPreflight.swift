import Foundation

/// Checks what sherpa-onnx 2.0.1 does not check safely before it loads a recognizer (it
/// calls `_Exit(-1)` on these instead of returning an error):
/// - the tokens file must parse the way sherpa-onnx reads it (`symbol [id]` per line);
/// - every ONNX role must parse as an ONNX model;
/// - Whisper: the encoder must carry sherpa-onnx's export metadata (`n_mels`, `sot`, …,
///   `sot_sequence`, and for multilingual models matching `all_language_tokens` /
///   `all_language_codes`), and the `language` option must be one of those codes;
/// - SenseVoice: the model must carry its metadata (`vocab_size`, LFR, language ids,
///   `neg_mean` / `inv_stddev`), and the tokens file must hold every id below
///   `vocab_size` (sherpa-onnx looks them up unchecked while decoding).
enum SherpaRecognizerPreflight {
    /// Runs the checks for `configuration`. Returns, for Whisper, whether the model is
    /// multilingual (nil for the other families). Throws `ModelError.loadFailed` naming the
    /// file and what is wrong with it (`ModelError.invalidManifest` for a Whisper `language`
    /// option the model does not know). Blocking.
    @discardableResult
    static func check(_ configuration: SherpaRecognizerConfiguration) throws -> Bool? {
        let tokensURL = try configuration.file("tokens")
        let tokenIDs = try SherpaTokensFile.tokenIDs(in: tokensURL, modelID: configuration.modelID)
        let metadata = try onnxMetadata(configuration)
        guard let (role, keys) = configuration.family.requiredIntegerMetadata else { return nil }
        let reader = MetadataReader(
            configuration: configuration, role: role,
            fileName: try configuration.file(role).lastPathComponent, values: metadata[role] ?? [:])
        var integers: [String: Int] = [:]
        for key in keys { integers[key] = try reader.integer(key) }
        switch configuration.family {
        case .whisper:
            return try checkWhisper(reader, integers: integers)
        case .senseVoice:
            try checkSenseVoice(reader, integers: integers, tokenIDs: tokenIDs, tokensFile: tokensURL.lastPathComponent)
            return nil
        case .moonshine:
            return nil
        }
    }

    /// The metadata of every ONNX role, refusing a file that is not a readable ONNX model.
    private static func onnxMetadata(_ configuration: SherpaRecognizerConfiguration) throws -> [String: [String: String]] {
        var metadata: [String: [String: String]] = [:]
        for role in configuration.family.onnxFileRoles {
            let url = try configuration.file(role)
            do {
                let data = try Data(contentsOf: url, options: .alwaysMapped)
                metadata[role] = try OnnxModelMetadata.read(from: data, source: url.lastPathComponent)
            } catch let error as GLMTTSError {
                throw ModelError.loadFailed(
                    model: configuration.modelID,
                    reason: "its \(role) file '\(url.lastPathComponent)' is not a usable ONNX model (\(error.message))")
            } catch {
                throw ModelError.loadFailed(
                    model: configuration.modelID,
                    reason: "its \(role) file '\(url.lastPathComponent)' cannot be read (\(error.localizedDescription))")
            }
        }
        return metadata
    }

    /// Whisper's language tokens and codes, and the `language` option against them; returns
    /// whether the model is multilingual.
    private static func checkWhisper(_ reader: MetadataReader, integers: [String: Int]) throws -> Bool {
        let configuration = reader.configuration
        _ = try reader.integers("sot_sequence")
        let multilingual = integers["is_multilingual"] != 0
        if multilingual {
            let tokens = try reader.integers("all_language_tokens")
            guard let raw = reader.values["all_language_codes"], !raw.isEmpty else {
                throw reader.notExport("has no 'all_language_codes' metadata")
            }
            let codes = raw.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard codes.count == tokens.count else {
                throw reader.notExport("lists \(tokens.count) language tokens but \(codes.count) language codes")
            }
            if !configuration.language.isEmpty, !codes.contains(configuration.language) {
                throw ModelError.invalidManifest(
                    path: configuration.modelID,
                    reason:
                        "option language = '\(configuration.language)' is not a language of this Whisper model (it knows \(codes.prefix(12).joined(separator: ", "))…)"
                )
            }
        } else if !configuration.language.isEmpty, configuration.language != "en" {
            throw ModelError.invalidManifest(
                path: configuration.modelID,
                reason: "option language = '\(configuration.language)' does not apply: this Whisper model only knows English")
        }
        return multilingual
    }

    /// SenseVoice's language ids and normalisation vectors, and a tokens file that covers
    /// its whole vocabulary.
    private static func checkSenseVoice(_ reader: MetadataReader, integers: [String: Int], tokenIDs: Set<Int>, tokensFile: String) throws {
        let modelID = reader.configuration.modelID
        if (reader.values["comment"] ?? "").contains("Nano") {
            throw ModelError.loadFailed(
                model: modelID, reason: "its model file '\(reader.fileName)' is a FunASR-Nano model, not SenseVoice")
        }
        for key in ["with_itn", "without_itn", "lang_auto", "lang_zh", "lang_en", "lang_ja", "lang_ko", "lang_yue"] {
            _ = try reader.integer(key)
        }
        for key in ["neg_mean", "inv_stddev"] {
            guard let raw = reader.values[key], !raw.isEmpty else { throw reader.notExport("has no '\(key)' metadata") }
            let parts = raw.split(separator: ",", omittingEmptySubsequences: true)
            guard parts.allSatisfy({ Float($0.drop(while: \.isWhitespace)) != nil }) else {
                throw reader.notExport("has a malformed '\(key)'")
            }
        }
        let vocabulary = integers["vocab_size"] ?? 0
        if let missing = (0..<vocabulary).first(where: { !tokenIDs.contains($0) }) {
            throw ModelError.loadFailed(
                model: modelID,
                reason:
                    "its tokens file '\(tokensFile)' has no token \(missing) but the model has \(vocabulary); use the tokens.txt from the same model pack"
            )
        }
    }

    /// Reads the metadata of the one ONNX file whose metadata sherpa-onnx requires, the way
    /// sherpa-onnx does (`atoi`), refusing what is absent or malformed.
    private struct MetadataReader {
        let configuration: SherpaRecognizerConfiguration
        let role: String
        let fileName: String
        let values: [String: String]

        func notExport(_ what: String) -> ModelError {
            let family = configuration.family
            return .loadFailed(
                model: configuration.modelID,
                reason: "its \(role) file '\(fileName)' \(what), so it is not a sherpa-onnx \(family.displayName) "
                    + "export; use the files of one sherpa-onnx \(family.displayName) model pack")
        }

        func integer(_ key: String) throws -> Int {
            guard let raw = values[key], !raw.isEmpty else { throw notExport("has no '\(key)' metadata") }
            let value = SherpaTokensFile.cInteger(raw)
            guard value >= 0 else { throw notExport("has a negative '\(key)' (\(raw))") }
            return value
        }

        func integers(_ key: String) throws -> [Int] {
            guard let raw = values[key], !raw.isEmpty else { throw notExport("has no '\(key)' metadata") }
            let parts = raw.split(separator: ",", omittingEmptySubsequences: true)
            let numbers = parts.compactMap { Int32($0.drop(while: \.isWhitespace)) }
            guard numbers.count == parts.count else { throw notExport("has a malformed '\(key)' (\(raw.prefix(80)))") }
            return numbers.map(Int.init)
        }
    }
}
