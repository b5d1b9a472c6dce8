import Foundation
import GLMTTSEngine
import GLMTTSService

/// A synthesis request as received by `POST /api/tts` (multipart, URL-encoded or JSON)
/// or one item of a batch, before validation.
struct SpeechForm {
    var text: String?
    var voiceID: String?
    var promptText: String?
    var temperature: Double?
    var topP: Double?
    var topK: Int64?
    var samplingStrategy: String?
    var skipWhisper: Bool?
    var seed: Int64?
    var speed: Double?
    var format: String?
    var model: String?
    var async: Bool?
    var language: String?
    var voiceMatch: Bool?
    var promptAudio: UploadedFile?

    /// Reads the typed fields of a multipart form; malformed numbers are 422s naming the field.
    init(fields: FormFields) throws {
        text = fields.string("text")
        voiceID = fields.string("voice_id")
        promptText = fields.string("prompt_text")
        temperature = try fields.double("temperature", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        topP = try fields.double("top_p", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        topK = try fields.integer("top_k", in: Int64.min...Int64.max)
        samplingStrategy = fields.string("sampling_strategy")
        skipWhisper = try fields.bool("skip_whisper")
        seed = try fields.integer("seed", in: 0...Int64.max)
        speed = try fields.double("speed", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        format = fields.string("format")
        model = fields.string("model")
        async = try fields.bool("async")
        language = fields.string("language")
        voiceMatch = try fields.bool("voice_match")
        promptAudio = fields.file
    }

    init() {}

    /// The validated job: text within limits, parameters in range, a known format, model
    /// and voice; a clip or a saved voice, not both. Throws a problem naming the field.
    func spec(dependencies: ServerDependencies) async throws -> SynthesisJobSpec {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw HTTPProblem.invalid("request.missing_field", "'text' is required: give the text to speak.", field: "text")
        }
        let prepared = try TextValidator.prepare(text, limits: dependencies.configuration.textLimits)

        var parameters = SynthesisParameters()
        if let temperature { parameters.temperature = temperature }
        if let topP { parameters.topP = topP }
        if let topK {
            guard let value = Int(exactly: topK) else { throw HTTPProblem.invalid("request.out_of_range", "'top_k' is out of range.", field: "top_k") }
            parameters.topK = value
        }
        if let samplingStrategy = samplingStrategy?.trimmingCharacters(in: .whitespaces), !samplingStrategy.isEmpty {
            guard let strategy = SamplingStrategy(rawValue: samplingStrategy.lowercased()) else {
                throw HTTPProblem.invalid("request.invalid_field",
                    "'sampling_strategy' must be one of \(SamplingStrategy.allCases.map(\.rawValue).joined(separator: ", ")); got '\(samplingStrategy.prefix(40))'.",
                    field: "sampling_strategy")
            }
            parameters.samplingStrategy = strategy
        }
        if let seed {
            guard seed >= 0 else {
                throw HTTPProblem.invalid("request.out_of_range", "'seed' must be a whole number from 0 to \(Int64.max); got \(seed).", field: "seed")
            }
            parameters.seed = UInt64(seed)
        }
        if let speed { parameters.speed = speed }
        try parameters.validate()

        var outputFormat = OutputFormat.wav
        if let format = format?.trimmingCharacters(in: .whitespaces), !format.isEmpty {
            guard let known = OutputFormat(name: format) else {
                throw HTTPProblem.invalid("request.unknown_format",
                    "'format' must be one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")); got '\(format.prefix(40))'.",
                    field: "format")
            }
            outputFormat = known
        }

        var modelID: String?
        if let model = model?.trimmingCharacters(in: .whitespaces), !model.isEmpty {
            try Self.checkSynthesizer(model, dependencies: dependencies)
            modelID = model
        }

        var savedVoice: String?
        if let voiceID = voiceID?.trimmingCharacters(in: .whitespaces), !voiceID.isEmpty {
            guard promptAudio == nil else {
                throw HTTPProblem.invalid("request.conflicting_fields",
                    "Send either 'prompt_audio' (a clip) or 'voice_id' (a saved voice), not both.", field: "voice_id")
            }
            guard VoiceRecord.isValidID(voiceID), let voice = try await dependencies.voices.voice(id: voiceID),
                  RequestInfo.current.principal.canSee(owner: voice.owner) else {
                throw HTTPProblem(code: "voice.not_found", title: "Not found", status: 404,
                                  detail: "There is no saved voice '\(voiceID.prefix(64))'; list voices with GET /api/voices.", field: "voice_id")
            }
            savedVoice = voiceID
        }
        if let clip = promptAudio, clip.data.isEmpty {
            throw HTTPProblem.invalid("audio.empty", "The uploaded reference clip is empty.", field: clip.field)
        }
        let textLanguage = try Self.language(language)
        _ = try Self.chooseVoice(text: prepared, named: modelID, language: textLanguage, dependencies: dependencies)
        if voiceMatch == true && promptAudio == nil && savedVoice == nil {
            throw HTTPProblem.invalid("request.conflicting_fields",
                "'voice_match' needs a reference clip to match: send 'prompt_audio' (a clip) or 'voice_id' (a saved voice).", field: "voice_match")
        }
        return SynthesisJobSpec(
            text: text, model: modelID, savedVoiceID: savedVoice, hasUploadedReference: promptAudio != nil,
            referenceText: try Self.referenceText(promptText, field: "prompt_text", limits: dependencies.configuration.textLimits),
            parameters: parameters, format: outputFormat, skipTranscription: skipWhisper ?? false,
            language: textLanguage, voiceMatch: voiceMatch ?? false)
    }

    /// The voice for `text` (see `VoiceChooser`); a text the voice (or no voice) can speak is a
    /// 422 naming the field to change.
    static func chooseVoice(text: String, named: String?, language: String?, dependencies: ServerDependencies) throws -> VoiceChoice {
        do {
            return try dependencies.engines.voiceChooser().choose(text: text, named: named, language: language)
        } catch let error as TextError {
            throw HTTPProblem.invalid(error.code, error.message, field: named == nil ? (language == nil ? "text" : "language") : "model")
        }
    }

    /// The `language` field as a primary language code; nil when absent, empty or `auto`.
    /// Throws a 422 naming the field when it is not a language tag.
    static func language(_ raw: String?) throws -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw.lowercased() != "auto" else { return nil }
        let code = LanguageCode.primary(raw)
        guard raw.count <= 16, (2...3).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw HTTPProblem.invalid("request.invalid_field",
                "'language' must be a language code such as zh, ja or en (or auto); got '\(raw.prefix(20))'.", field: "language")
        }
        return code
    }

    /// Most characters of a reference clip's transcript (`prompt_text`, a voice's `text`): a
    /// clip is used for a window of some seconds, a few hundred characters in any language.
    static let maxReferenceTextCharacters = 2_000

    /// A reference transcript sent in `field`, cleaned like the text to speak and held to
    /// ``maxReferenceTextCharacters``; nil when absent or blank (it is then transcribed).
    static func referenceText(_ raw: String?, field: String, limits: TextLimits) throws -> String? {
        guard let raw, !raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        var promptLimits = limits
        promptLimits.maxCharacters = min(limits.maxCharacters, maxReferenceTextCharacters)
        do {
            return try TextValidator.prepare(raw, limits: promptLimits)
        } catch let error as TextError {
            let detail: String
            switch error {
            case let .tooLong(characters, limit):
                detail = "'\(field)' has \(characters) characters, more than the limit of \(limit); send only the transcript of the reference clip."
            case let .inputTooLarge(bytes, limit):
                detail = "'\(field)' is \(bytes) bytes, more than the \(limit)-byte input limit; send only the transcript of the reference clip."
            default:
                detail = "'\(field)': \(error.message)"
            }
            throw HTTPProblem.invalid(error.code, detail, field: field)
        }
    }

    /// Throws a clear problem unless `id` is an installed synthesizer.
    static func checkSynthesizer(_ id: String, dependencies: ServerDependencies) throws {
        let known = dependencies.engines.catalogue.synthesizers.map(\.manifest.id)
        guard known.contains(id) else {
            throw HTTPProblem(code: "model.not_found", title: "Not found", status: 404,
                              detail: "There is no voice model '\(id.prefix(64))'. Installed: \(known.sorted().joined(separator: ", ")); see GET /api/engines.",
                              field: "model")
        }
    }
}
