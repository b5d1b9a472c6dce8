import Foundation

/// Language tags as this project compares them: the primary subtag, lower-case, with the
/// ISO 639-3 code for Mandarin (`cmn`, espeak-ng's name) folded into `zh`.
///
/// Manifests say `en-US`, `cmn`, `zh`, `ja`; requests say `zh-CN` or `ZH`. All of them are
/// compared through ``primary(_:)``, so a voice for `en-US` speaks text detected as `en`.
public enum LanguageCode {
    /// The primary language of `tag`: `en-US` → `en`, `cmn` → `zh`, `zh_Hans_CN` → `zh`,
    /// `*` stays `*` (any language). Empty input gives an empty string.
    public static func primary(_ tag: String) -> String {
        let head =
            tag.trimmingCharacters(in: .whitespaces).lowercased()
            .split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        switch head {
        case "cmn", "zho", "chi": return "zh"
        case "jpn": return "ja"
        case "eng": return "en"
        default: return head
        }
    }

    /// Whether a model declaring `languages` speaks (or hears) `language` (any form).
    public static func covers(_ languages: [String], _ language: String) -> Bool {
        let wanted = primary(language)
        return languages.contains {
            let have = primary($0)
            return have == "*" || have == wanted
        }
    }

    /// The English name of `code`, for messages (`zh` → `Mandarin Chinese`); the code
    /// itself when it is not one of the names this project knows.
    public static func name(_ code: String) -> String {
        let names = [
            "zh": "Mandarin Chinese", "yue": "Cantonese", "ja": "Japanese", "ko": "Korean", "en": "English",
            "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
            "ru": "Russian", "el": "Greek", "ar": "Arabic", "he": "Hebrew", "hi": "Hindi", "th": "Thai",
        ]
        return names[primary(code)] ?? code
    }
}
