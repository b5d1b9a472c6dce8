import Foundation

/// Picks the voice for a text by its language, or checks that a named voice speaks it.
///
/// The rule (see docs/LANGUAGES.md):
/// - The text's languages are detected sentence by sentence (``TextLanguageDetector``), or
///   taken from the caller's `language`.
/// - A named voice must speak every one of them; otherwise ``TextError/languageUnsupported``
///   names the installed voices that can. Nothing reads Chinese as "Chinese letter".
/// - With no voice named and a reference clip given (`preferCloning`), the first installed
///   voice that clones and speaks all of the text's languages is chosen (by id), so a pulled
///   ZipVoice or Pocket-TTS model clones the clip without being named.
/// - Otherwise, with no voice named, the first installed voice that speaks all of the text's languages
///   is chosen from: the configured default voice, the configured and then the built-in
///   default (``builtInDefaults``) of each of the text's languages, commonest first, then every
///   other installed voice (neural voices before espeak-ng ones, by id). Voices whose manifest
///   says `"defaultChoice": "never"` (espeak-ng Mandarin, which cannot read Hanzi) are only
///   used when named.
/// - A text without letters (only digits) has no language: the configured default voice,
///   else the registry's default, speaks it.
public struct VoiceChooser: Sendable {
    /// The voice each language gets when nothing else is configured.
    public static let builtInDefaults: [String: String] = [
        "en": "en_US-joe-medium", "zh": "kokoro-jm_kumo", "ja": "kokoro-jf_alpha",
    ]

    /// Installed synthesizers.
    public var models: [InstalledModel]
    /// The default voice for any language it speaks (`GLMTTS_DEFAULT_VOICE`), if configured.
    public var configuredDefault: String?
    /// Per-language defaults (`GLMTTS_DEFAULT_VOICES`, `zh=kokoro-jf_alpha,ja=…`), by primary code.
    public var languageDefaults: [String: String]
    /// The voice for text without letters when none is configured.
    public var fallbackDefault: String?

    public init(
        models: [InstalledModel], configuredDefault: String? = nil, languageDefaults: [String: String] = [:],
        fallbackDefault: String? = nil
    ) {
        self.models = models.filter { $0.manifest.engine.isSynthesizer }
        self.configuredDefault = configuredDefault
        self.languageDefaults = languageDefaults
        self.fallbackDefault = fallbackDefault
    }

    /// Parses `zh=kokoro-jf_alpha, ja=kokoro-jm_kumo` into a table by primary language code;
    /// entries without `=` or with an empty side are ignored.
    public static func parseLanguageDefaults(_ text: String?) -> [String: String] {
        var table: [String: String] = [:]
        for entry in (text ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { continue }
            table[LanguageCode.primary(parts[0])] = parts[1]
        }
        return table
    }

    /// The voice for `text`: `named` checked against the text's languages, or one chosen for
    /// them (a cloning one first with `preferCloning`). `language` (any tag form) overrides
    /// detection. Throws
    /// ``TextError/languageUnsupported(languages:voice:alternatives:)``, and
    /// `ModelError.notFound` when no voice is installed at all.
    public func choose(text: String, named: String?, language: String? = nil, preferCloning: Bool = false) throws -> VoiceChoice {
        let stated = language.map(LanguageCode.primary).flatMap { $0.isEmpty ? nil : $0 }
        let languages = stated.map { [$0] } ?? TextLanguageDetector.languages(of: text)
        if let named {
            guard let model = models.first(where: { $0.manifest.id == named }) else {
                throw ModelError.notFound(id: named, available: models.map(\.manifest.id).sorted())
            }
            let missing = languages.filter { !LanguageCode.covers(model.manifest.languages, $0) }
            guard missing.isEmpty else {
                throw TextError.languageUnsupported(languages: missing, voice: named, alternatives: speakers(of: languages))
            }
            return VoiceChoice(voiceID: named, languages: languages, named: true)
        }
        guard !languages.isEmpty else {
            guard let id = configuredDefault ?? fallbackDefault ?? models.first?.manifest.id else {
                throw ModelError.notFound(id: Self.builtInDefaults["en"]!, available: [])
            }
            return VoiceChoice(voiceID: id, languages: [], named: false)
        }
        if preferCloning,
            let cloner = ranked.first(where: { $0.manifest.capabilities.canClone && speaks($0, all: languages, byDefault: true) })
        {
            return VoiceChoice(voiceID: cloner.manifest.id, languages: languages, named: false)
        }
        let preferred = ([configuredDefault] + languages.flatMap { [languageDefaults[$0], Self.builtInDefaults[$0]] }).compactMap { $0 }
        for id in preferred {
            if let model = models.first(where: { $0.manifest.id == id }), speaks(model, all: languages, byDefault: false) {
                return VoiceChoice(voiceID: id, languages: languages, named: false)
            }
        }
        if let any = ranked.first(where: { speaks($0, all: languages, byDefault: true) }) {
            return VoiceChoice(voiceID: any.manifest.id, languages: languages, named: false)
        }
        let missing = languages.filter { language in !models.contains { speaks($0, all: [language], byDefault: true) } }
        let unspoken = missing.isEmpty ? languages : missing  // each is spoken, but no one voice speaks them all
        throw TextError.languageUnsupported(languages: unspoken, voice: nil, alternatives: speakers(of: unspoken))
    }

    /// Installed voices (default-eligible first) that speak every one of `languages`.
    func speakers(of languages: [String]) -> [String] {
        ranked.filter { speaks($0, all: languages, byDefault: false) }.map(\.manifest.id)
    }

    /// Installed voices, neural before espeak-ng, then by id.
    private var ranked: [InstalledModel] {
        models.sorted { lhs, rhs in
            let (a, b) = (lhs.manifest.engine == .espeak, rhs.manifest.engine == .espeak)
            return a != b ? !a : lhs.manifest.id < rhs.manifest.id
        }
    }

    /// Whether `model` speaks all `languages` (and, with `byDefault`, may be picked unasked).
    private func speaks(_ model: InstalledModel, all languages: [String], byDefault: Bool) -> Bool {
        if byDefault && model.manifest.options["defaultChoice"] == "never" { return false }
        return languages.allSatisfy { LanguageCode.covers(model.manifest.languages, $0) }
    }
}
