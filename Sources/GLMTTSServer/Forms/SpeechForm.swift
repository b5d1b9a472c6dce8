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
    var verify: Bool?
    var promptAudio: UploadedFile?

    /// Reads the typed fields of a multipart form (by the `SpeechField` table); malformed
    /// numbers and booleans are 422s naming the field.
    init(fields: FormFields) throws {
        text = fields.string(SpeechField.text.rawValue)
        voiceID = fields.string(SpeechField.voiceID.rawValue)
        promptText = fields.string(SpeechField.promptText.rawValue)
        temperature = try fields.double(SpeechField.temperature.rawValue)
        topP = try fields.double(SpeechField.topP.rawValue)
        topK = try fields.integer(SpeechField.topK.rawValue, in: Int64.min...Int64.max)
        samplingStrategy = fields.string(SpeechField.samplingStrategy.rawValue)
        skipWhisper = try fields.bool(SpeechField.skipWhisper.rawValue)
        seed = try fields.integer(SpeechField.seed.rawValue, in: 0...Int64.max)
        speed = try fields.double(SpeechField.speed.rawValue)
        format = fields.string(SpeechField.format.rawValue)
        model = fields.string(SpeechField.model.rawValue)
        async = try fields.bool(SpeechField.async.rawValue)
        language = fields.string(SpeechField.language.rawValue)
        voiceMatch = try fields.bool(SpeechField.voiceMatch.rawValue)
        verify = try fields.bool(SpeechField.verify.rawValue)
        promptAudio = fields.file
    }

    init() {}

    /// The validated job: text within limits, parameters in range, a known format, model
    /// and voice; a clip or a saved voice, not both. This is the one place a request is
    /// checked: the queue, the pipeline and the engines take what it builds as valid.
    /// Throws a problem naming the field as `names` (the surface) calls it.
    func spec(dependencies: ServerDependencies, names: SpeechFieldNames = .form) async throws -> SynthesisJobSpec {
        let limits = dependencies.configuration.textLimits
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw HTTPProblem.invalid(
                ProblemCode.requestMissingField, "'\(names(.text))' is required: give the text to speak.", field: names(.text))
        }
        let speech: SpeechText
        do {
            speech = try SpeechText(text, limits: limits)
        } catch let error as TextError {
            var problem = HTTPProblem.from(error)
            problem.field = names(.text)
            throw problem
        }
        let parameters = try self.parameters(names: names)
        let outputFormat = try self.outputFormat(names: names)
        var modelID: String?
        if let model = model?.trimmingCharacters(in: .whitespaces), !model.isEmpty {
            try Self.checkSynthesizer(model, dependencies: dependencies, field: names(.model))
            modelID = model
        }
        let savedVoice = try await self.savedVoice(dependencies: dependencies, names: names)
        if let clip = promptAudio, clip.data.isEmpty {
            throw HTTPProblem.invalid(ProblemCode.audioEmpty, "The uploaded reference clip is empty.", field: clip.field)
        }
        let textLanguage = try Self.language(language, field: names(.language))
        _ = try Self.chooseVoice(
            text: speech.value, named: modelID, language: textLanguage,
            withReference: (promptAudio != nil || savedVoice != nil) && voiceMatch != true,
            dependencies: dependencies, names: names)
        if voiceMatch == true && promptAudio == nil && savedVoice == nil {
            throw HTTPProblem.invalid(
                ProblemCode.requestConflictingFields,
                "'\(names(.voiceMatch))' needs a reference clip to match: send '\(names(.promptAudio))' (a clip) or '\(names(.voiceID))' (a saved voice).",
                field: names(.voiceMatch))
        }
        return SynthesisJobSpec(
            text: speech, model: modelID, savedVoiceID: savedVoice, hasUploadedReference: promptAudio != nil,
            referenceText: try Self.referenceText(promptText, field: names(.promptText), limits: limits),
            parameters: parameters, format: outputFormat, skipTranscription: skipWhisper ?? false,
            language: textLanguage, voiceMatch: voiceMatch ?? false,
            verification: verify ?? dependencies.configuration.verifyByDefault ? dependencies.configuration.verification : nil)
    }

    /// The synthesis knobs, valid (`SynthesisParameters` cannot be built otherwise).
    private func parameters(names: SpeechFieldNames) throws -> SynthesisParameters {
        let defaults = SynthesisParameters()
        var strategy = defaults.samplingStrategy
        if let samplingStrategy = samplingStrategy?.trimmingCharacters(in: .whitespaces), !samplingStrategy.isEmpty {
            guard let known = SamplingStrategy(rawValue: samplingStrategy.lowercased()) else {
                throw HTTPProblem.invalid(
                    ProblemCode.requestInvalidField,
                    "'\(names(.samplingStrategy))' must be one of \(SamplingStrategy.allCases.map(\.rawValue).joined(separator: ", ")); got '\(samplingStrategy.prefix(40))'.",
                    field: names(.samplingStrategy))
            }
            strategy = known
        }
        var topKValue = defaults.topK
        if let topK {
            guard let value = Int(exactly: topK) else {
                throw HTTPProblem.invalid(ProblemCode.requestOutOfRange, "'\(names(.topK))' is out of range.", field: names(.topK))
            }
            topKValue = value
        }
        if let seed, seed < 0 {
            throw HTTPProblem.invalid(
                ProblemCode.requestOutOfRange, "'\(names(.seed))' must be a whole number from 0 to \(Int64.max); got \(seed).",
                field: names(.seed))
        }
        return try SynthesisParameters(
            temperature: temperature ?? defaults.temperature, topP: topP ?? defaults.topP, topK: topKValue,
            samplingStrategy: strategy, seed: seed.map(UInt64.init), speed: speed ?? defaults.speed)
    }

    /// The output format; WAV when none is named.
    private func outputFormat(names: SpeechFieldNames) throws -> OutputFormat {
        guard let format = format?.trimmingCharacters(in: .whitespaces), !format.isEmpty else { return .wav }
        guard let known = OutputFormat(name: format) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestUnknownFormat,
                "'\(names(.format))' must be one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")); got '\(format.prefix(40))'.",
                field: names(.format))
        }
        return known
    }

    /// The saved voice to clone, when one is named: it must exist and be the caller's.
    private func savedVoice(dependencies: ServerDependencies, names: SpeechFieldNames) async throws -> String? {
        guard let voiceID = voiceID?.trimmingCharacters(in: .whitespaces), !voiceID.isEmpty else { return nil }
        guard promptAudio == nil else {
            throw HTTPProblem.invalid(
                ProblemCode.requestConflictingFields,
                "Send either '\(names(.promptAudio))' (a clip) or '\(names(.voiceID))' (a saved voice), not both.", field: names(.voiceID))
        }
        guard VoiceRecord.isValidID(voiceID), let voice = try await dependencies.voices.voice(id: voiceID),
            RequestInfo.current.principal.canSee(owner: voice.owner)
        else {
            throw HTTPProblem(
                code: ProblemCode.voiceNotFound, title: "Not found", status: 404,
                detail: "There is no saved voice '\(voiceID.prefix(64))'; list voices with GET /api/voices.", field: names(.voiceID))
        }
        return voiceID
    }

    /// The voice for `text` (see `VoiceChooser`); a text the voice (or no voice) can speak is a
    /// 422 naming the field to change.
    static func chooseVoice(
        text: String, named: String?, language: String?, withReference: Bool = false, dependencies: ServerDependencies,
        names: SpeechFieldNames = .form
    ) throws -> VoiceChoice {
        do {
            return try dependencies.engines.voiceChooser().choose(
                text: text, named: named, language: language, preferCloning: withReference)
        } catch let error as TextError {
            throw HTTPProblem.invalid(
                error.code, error.message, field: names(named == nil ? (language == nil ? .text : .language) : .model))
        }
    }

    /// The `language` field as a primary language code; nil when absent, empty or `auto`.
    /// Throws a 422 naming the field when it is not a language tag.
    static func language(_ raw: String?, field: String = SpeechField.language.rawValue) throws -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw.lowercased() != "auto" else { return nil }
        let code = LanguageCode.primary(raw)
        guard raw.count <= 16, (2...3).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField,
                "'\(field)' must be a language code such as zh, ja or en (or auto); got '\(raw.prefix(20))'.", field: field)
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
                detail =
                    "'\(field)' has \(characters) characters, more than the limit of \(limit); send only the transcript of the reference clip."
            case let .inputTooLarge(bytes, limit):
                detail =
                    "'\(field)' is \(bytes) bytes, more than the \(limit)-byte input limit; send only the transcript of the reference clip."
            default:
                detail = "'\(field)': \(error.message)"
            }
            throw HTTPProblem.invalid(error.code, detail, field: field)
        }
    }

    /// Throws a clear problem unless `id` is an installed synthesizer.
    static func checkSynthesizer(_ id: String, dependencies: ServerDependencies, field: String = SpeechField.model.rawValue) throws {
        let known = dependencies.engines.catalogue.synthesizers.map(\.manifest.id)
        guard known.contains(id) else {
            throw HTTPProblem(
                code: ProblemCode.modelNotFound, title: "Not found", status: 404,
                detail:
                    "There is no voice model '\(id.prefix(64))'. Installed: \(known.sorted().joined(separator: ", ")); see GET /api/engines.",
                field: field)
        }
    }
}
