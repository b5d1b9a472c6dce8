/// The operator's choice of default voices (settings `GLMTTS_DEFAULT_VOICE` and
/// `GLMTTS_DEFAULT_VOICES`, read by the configuration, never from the environment here).
public struct VoiceDefaults: Sendable, Equatable {
    /// The voice used when none is named and no language default applies; nil: the built-in rule.
    public var voice: String?
    /// Default voice per primary language subtag (`zh`, `ja`, `en`…), over the built-in ones.
    public var byLanguage: [String: String]

    public init(voice: String? = nil, byLanguage: [String: String] = [:]) {
        self.voice = voice.flatMap { $0.isEmpty ? nil : $0 }
        self.byLanguage = byLanguage
    }

    /// Defaults from the settings' text forms: a voice id, and `zh=kokoro-jm_kumo,ja=…`
    /// (see `VoiceChooser.parseLanguageDefaults`).
    public init(voice: String?, languages: String?) {
        self.init(voice: voice, byLanguage: VoiceChooser.parseLanguageDefaults(languages))
    }
}
