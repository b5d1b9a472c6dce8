/// The fields of a synthesis request — one table for every surface that takes one
/// (`POST /api/tts` as multipart, URL-encoded or JSON; batch items; `/v1/audio/speech`).
/// The raw value is the field's name on `/api/tts`; `SpeechFieldNames` gives each surface
/// its own names in errors.
enum SpeechField: String, CaseIterable, Sendable {
    case text
    case promptAudio = "prompt_audio"
    case voiceID = "voice_id"
    case promptText = "prompt_text"
    case temperature
    case topP = "top_p"
    case topK = "top_k"
    case samplingStrategy = "sampling_strategy"
    case skipWhisper = "skip_whisper"
    case seed
    case speed
    case format
    case model
    case async
    case language
    case voiceMatch = "voice_match"
    case verify

    /// How a field's value is written in a form.
    enum Kind: Sendable {
        /// Text.
        case text
        /// A number (finite).
        case number
        /// A whole number.
        case wholeNumber
        /// true/false (`1`/`0`, `yes`/`no`, `on`/`off`).
        case flag
        /// An uploaded file.
        case file
    }

    /// The kind of value the field holds.
    var kind: Kind {
        switch self {
        case .temperature, .topP, .speed: return .number
        case .topK, .seed: return .wholeNumber
        case .skipWhisper, .async, .voiceMatch, .verify: return .flag
        case .promptAudio: return .file
        case .text, .voiceID, .promptText, .samplingStrategy, .format, .model, .language: return .text
        }
    }

    /// The names of the text-valued form fields (everything but the file).
    static var formValueNames: [String] { allCases.filter { $0.kind != .file }.map(\.rawValue) }
}
