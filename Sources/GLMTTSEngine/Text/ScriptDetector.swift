/// Guesses a language from the writing system of a text, to pick an espeak-ng voice.
///
/// This is a script hint, not language identification: all Latin text maps to `"en"`, all
/// Cyrillic to `"ru"`. Letters are counted per script; a Han, kana or Hangul character
/// weighs 3 (it is a syllable, about as long to say as three Latin letters). The script
/// with the largest weight wins. Han and kana count together as Japanese when any kana is
/// present and they outweigh the rest.
public enum ScriptDetector {
    /// The espeak-ng language code for the dominant script of `text`: `"cmn"` (Han),
    /// `"ja"` (kana present), `"ko"` (Hangul), `"en"` (Latin), `"ru"` (Cyrillic), `"el"`
    /// (Greek), `"ar"` (Arabic), `"he"` (Hebrew), `"hi"` (Devanagari), `"th"` (Thai);
    /// nil when the text has no letters in one of these scripts.
    public static func dominantLanguageHint(_ text: String) -> String? {
        var weights: [Script: Int] = [:]
        for scalar in text.unicodeScalars where scalar.properties.isAlphabetic {
            if let script = Script(scalar.value) {
                weights[script, default: 0] += script.weight
            }
        }
        let kana = weights[.kana, default: 0]
        if kana > 0 {
            weights[.kana] = kana + weights[.han, default: 0]
            weights[.han] = nil
        }
        // Ties go to the earlier case, so the answer never depends on dictionary order.
        var best: Script?
        var bestWeight = 0
        for script in Script.allCases where weights[script, default: 0] > bestWeight {
            best = script
            bestWeight = weights[script, default: 0]
        }
        guard let best else { return nil }
        return best.languageCode
    }
}

/// Writing systems the detector tells apart.
private enum Script: CaseIterable {
    case latin, han, kana, hangul, cyrillic, greek, arabic, hebrew, devanagari, thai

    init?(_ value: UInt32) {
        if TextCharacterClass.isKana(value) {
            self = .kana
        } else if TextCharacterClass.isHan(value) {
            self = .han
        } else if TextCharacterClass.isHangul(value) {
            self = .hangul
        } else {
            switch value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0xFF21...0xFF3A, 0xFF41...0xFF5A:
                self = .latin
            case 0x400...0x52F: self = .cyrillic
            case 0x370...0x3FF, 0x1F00...0x1FFF: self = .greek
            case 0x600...0x6FF, 0x750...0x77F: self = .arabic
            case 0x590...0x5FF: self = .hebrew
            case 0x900...0x97F: self = .devanagari
            case 0xE00...0xE7F: self = .thai
            default: return nil
            }
        }
    }

    var weight: Int {
        switch self {
        case .han, .kana, .hangul: return 3
        default: return 1
        }
    }

    var languageCode: String {
        switch self {
        case .latin: return "en"
        case .han: return "cmn"
        case .kana: return "ja"
        case .hangul: return "ko"
        case .cyrillic: return "ru"
        case .greek: return "el"
        case .arabic: return "ar"
        case .hebrew: return "he"
        case .devanagari: return "hi"
        case .thai: return "th"
        }
    }
}
