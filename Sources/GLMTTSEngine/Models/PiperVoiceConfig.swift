import Foundation

/// The parts of a Piper voice config (`VOICE.onnx.json`) that an import needs, validated.
///
/// Only espeak-phonemized voices are accepted: their `phoneme_id_map` is keyed by IPA
/// code points, which is what the espeak-ng phonemizer produces and what sherpa-onnx's
/// `tokens.txt` can express.
public struct PiperVoiceConfig: Sendable, Equatable {
    /// Output sample rate in Hz (`audio.sample_rate`).
    public var sampleRate: Int
    /// Quality label (`audio.quality`), e.g. "medium", if present.
    public var quality: String?
    /// espeak-ng voice used to phonemize text (`espeak.voice`), e.g. "en-us".
    public var espeakVoice: String
    /// Piper language code (`language.code`), e.g. "en_US", if present.
    public var languageCode: String?
    /// English name of the language (`language.name_english`), e.g. "English", if present.
    public var languageNameEnglish: String?
    /// VITS noise scale (`inference.noise_scale`, Piper default 0.667).
    public var noiseScale: Double
    /// VITS length scale (`inference.length_scale`, Piper default 1).
    public var lengthScale: Double
    /// VITS duration noise (`inference.noise_w`, Piper default 0.8).
    public var noiseW: Double
    /// Number of speakers (`num_speakers`, default 1).
    public var numSpeakers: Int
    /// Training data set name (`dataset`), if present.
    public var dataset: String?
    /// Phoneme symbol → ids (`phoneme_id_map`). Never empty.
    public var phonemeIDMap: [String: [Int]]

    /// Parses and validates a Piper config. `source` names the file in error messages.
    ///
    /// Throws `ModelError.invalidImport` when the data is not JSON, a required field is
    /// missing or has the wrong type or an implausible value, or `phoneme_type` is not
    /// `espeak`.
    public static func parse(_ data: Data, source: String) throws -> PiperVoiceConfig {
        func invalid(_ reason: String) -> ModelError {
            .invalidImport("The Piper config \(source) is not usable: \(reason). Pass the .onnx.json file published with the voice.")
        }
        guard !data.isEmpty else { throw invalid("it is empty") }
        let raw: RawConfig
        do {
            raw = try JSONDecoder().decode(RawConfig.self, from: data)
        } catch let error as DecodingError {
            throw invalid(describe(error))
        } catch {
            throw invalid("it cannot be read as JSON (\(error))")
        }

        let phonemeType = raw.phoneme_type ?? "espeak"
        guard phonemeType == "espeak" else {
            throw ModelError.invalidImport(
                "The Piper voice \(source) uses phoneme_type '\(phonemeType)': only espeak-phonemized Piper voices are supported. Choose a voice whose config says \"phoneme_type\": \"espeak\"."
            )
        }
        guard let audio = raw.audio, let rate = audio.sample_rate else { throw invalid("audio.sample_rate is missing") }
        // Some published configs carry the typo 22500 for 22050 Hz (the sherpa-onnx
        // conversion script corrects it the same way).
        let sampleRate = rate == 22_500 ? 22_050 : rate
        guard (1_000...384_000).contains(sampleRate) else { throw invalid("audio.sample_rate \(rate) is not plausible") }
        guard let voice = raw.espeak?.voice, !voice.isEmpty else { throw invalid("espeak.voice is missing") }
        guard voice.count <= 64,
            voice.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_+".unicodeScalars.contains($0)) }
            )
        else {
            throw invalid("espeak.voice '\(voice)' is not an espeak-ng voice name")
        }
        if let code = raw.language?.code {
            guard !code.isEmpty, code.count <= 35,
                code.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_".unicodeScalars.contains($0))
                })
            else {
                throw invalid("language.code '\(code)' is not a language code")
            }
        }
        let numSpeakers = raw.num_speakers ?? 1
        guard (1...100_000).contains(numSpeakers) else { throw invalid("num_speakers \(numSpeakers) is not plausible") }
        let noiseScale = raw.inference?.noise_scale ?? 0.667
        let lengthScale = raw.inference?.length_scale ?? 1
        let noiseW = raw.inference?.noise_w ?? 0.8
        for (name, value) in [("noise_scale", noiseScale), ("length_scale", lengthScale), ("noise_w", noiseW)] {
            guard value.isFinite, value >= 0, value <= 100 else { throw invalid("inference.\(name) \(value) is not plausible") }
        }
        guard lengthScale > 0 else { throw invalid("inference.length_scale must be above 0") }
        guard let map = raw.phoneme_id_map else { throw invalid("it has no phoneme_id_map") }
        guard !map.isEmpty else { throw invalid("its phoneme_id_map is empty") }
        for (symbol, ids) in map {
            guard !ids.isEmpty else { throw invalid("phoneme_id_map has no id for \(PiperTokens.visible(symbol))") }
            guard ids.allSatisfy({ (0..<1_000_000).contains($0) }) else {
                throw invalid("phoneme_id_map has an out-of-range id for \(PiperTokens.visible(symbol))")
            }
        }
        return PiperVoiceConfig(
            sampleRate: sampleRate, quality: audio.quality, espeakVoice: voice, languageCode: raw.language?.code,
            languageNameEnglish: raw.language?.name_english, noiseScale: noiseScale, lengthScale: lengthScale,
            noiseW: noiseW, numSpeakers: numSpeakers, dataset: raw.dataset, phonemeIDMap: map)
    }

    /// BCP 47 language tag of the voice: "en-US" from `language.code` "en_US", else derived
    /// from the espeak voice ("en-us" → "en-US", "de" → "de").
    public var languageTag: String {
        if let languageCode { return languageCode.replacingOccurrences(of: "_", with: "-") }
        let parts = espeakVoice.split(separator: "-")
        guard let first = parts.first else { return espeakVoice }
        if parts.count >= 2, parts[1].count == 2 { return "\(first.lowercased())-\(parts[1].uppercased())" }
        return first.lowercased()
    }

    /// English name of the language ("English"), as sherpa-onnx's `language` metadata
    /// expects: `language.name_english`, else the system's name for the language code,
    /// else the code itself.
    public var languageName: String {
        if let languageNameEnglish, !languageNameEnglish.isEmpty { return languageNameEnglish }
        let code = String(languageTag.split(separator: "-").first ?? Substring(languageTag))
        return Locale(identifier: "en").localizedString(forLanguageCode: code) ?? code
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "the top level" : joined
        }
        switch error {
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            return "it is not valid JSON"
        case let .dataCorrupted(context):
            return "\(path(context)) is malformed"
        case let .typeMismatch(type, context):
            return "\(path(context)) has the wrong type (expected \(type))"
        case let .valueNotFound(type, context):
            return "\(path(context)) is null (expected \(type))"
        case let .keyNotFound(key, context):
            return "\(path(context)) has no '\(key.stringValue)'"
        @unknown default:
            return "it cannot be decoded"
        }
    }
}

/// The JSON shape of a Piper config; every field optional so that validation can say
/// which one is missing.
private struct RawConfig: Decodable {
    struct Audio: Decodable {
        var sample_rate: Int?
        var quality: String?
    }
    struct Espeak: Decodable { var voice: String? }
    struct Language: Decodable {
        var code: String?
        var name_english: String?
    }
    struct Inference: Decodable {
        var noise_scale: Double?
        var length_scale: Double?
        var noise_w: Double?
    }

    var audio: Audio?
    var espeak: Espeak?
    var language: Language?
    var inference: Inference?
    var phoneme_type: String?
    var phoneme_id_map: [String: [Int]]?
    var num_speakers: Int?
    var dataset: String?
}
