/// How one surface names the fields of a synthesis request in its errors (`field` and
/// the detail text): `/api/tts` by the table's names, the OpenAI-compatible route by
/// OpenAI's (`input`, `voice`, `response_format`).
struct SpeechFieldNames: Sendable {
    private let rename: @Sendable (SpeechField) -> String?

    private init(_ rename: @escaping @Sendable (SpeechField) -> String?) {
        self.rename = rename
    }

    /// The name of `field` on this surface.
    func callAsFunction(_ field: SpeechField) -> String { rename(field) ?? field.rawValue }

    /// `POST /api/tts` and batch items.
    static let form = SpeechFieldNames { _ in nil }

    /// `POST /v1/audio/speech`.
    static let openAI = SpeechFieldNames { field in
        switch field {
        case .text: return "input"
        case .voiceID: return "voice"
        case .format: return "response_format"
        default: return nil
        }
    }

    /// Wyoming's `synthesize` event (`WyomingSession`).
    static let wyoming = SpeechFieldNames { field in
        switch field {
        case .model: return "voice.name"
        case .language: return "voice.language"
        default: return nil
        }
    }
}
