import GLMTTSEngine

/// The `info` answer to `describe`: what this server offers over Wyoming, from the
/// installed models. Voices are the installed synthesizer models (each speaks with one
/// speaker, so none lists `speakers`); saved voices are not listed, because Wyoming has no
/// keys to tell whose they are. ASR models are the installed recognizers.
enum WyomingInfo {
    /// Whisper's languages, listed for a multilingual recognizer (its manifest says `*`), so
    /// that Home Assistant finds the pipeline's language among them.
    static let whisperLanguages = [
        "af", "am", "ar", "as", "az", "ba", "be", "bg", "bn", "bo", "br", "bs", "ca", "cs", "cy", "da", "de", "el",
        "en", "es", "et", "eu", "fa", "fi", "fo", "fr", "gl", "gu", "ha", "haw", "he", "hi", "hr", "ht", "hu", "hy",
        "id", "is", "it", "ja", "jw", "ka", "kk", "km", "kn", "ko", "la", "lb", "ln", "lo", "lt", "lv", "mg", "mi",
        "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl", "nn", "no", "oc", "pa", "pl", "ps", "pt", "ro", "ru",
        "sa", "sd", "si", "sk", "sl", "sn", "so", "sq", "sr", "su", "sv", "sw", "ta", "te", "tg", "th", "tk", "tl",
        "tr", "tt", "uk", "ur", "uz", "vi", "yi", "yo", "yue", "zh",
    ]

    /// The `info` event for `models` (one catalogue snapshot).
    static func event(models: [InstalledModel]) -> WyomingEvent {
        let attribution = JSONValue.object(["name": .string("GLM-TTS Enhanced"), "url": .string("")])
        func artifact(_ model: InstalledModel, languages: [String]) -> JSONValue {
            .object([
                "name": .string(model.manifest.id),
                "description": .string(model.manifest.description),
                "attribution": .object(["name": .string(model.manifest.licence), "url": .string("")]),
                "installed": .bool(true),
                "version": .null,
                "languages": .array(languages.map(JSONValue.string)),
            ])
        }
        let voices = models.filter { $0.manifest.engine.isSynthesizer }.map { artifact($0, languages: $0.manifest.languages) }
        let recognizers = models.filter { $0.manifest.engine.isRecognizer }.map { model in
            artifact(model, languages: model.manifest.languages.contains("*") ? whisperLanguages : model.manifest.languages)
        }
        func program(_ description: String, _ key: String, _ items: [JSONValue], streaming: (key: String, value: Bool)) -> JSONValue {
            .object([
                "name": .string("glmtts"),
                "description": .string(description),
                "attribution": attribution,
                "installed": .bool(true),
                "version": .string(SystemProbe.version),
                key: .array(items),
                streaming.key: .bool(streaming.value),
            ])
        }
        var data: [String: JSONValue] = [
            "handle": .array([]), "intent": .array([]), "wake": .array([]), "mic": .array([]), "snd": .array([]),
        ]
        data["tts"] = .array(
            voices.isEmpty
                ? [] : [program("GLM-TTS Enhanced speech synthesis", "voices", voices, streaming: ("supports_synthesize_streaming", true))])
        data["asr"] = .array(
            recognizers.isEmpty
                ? []
                : [
                    program(
                        "GLM-TTS Enhanced speech recognition (Whisper)", "models", recognizers,
                        streaming: ("supports_transcript_streaming", false))
                ])
        return WyomingEvent("info", data: data)
    }
}
