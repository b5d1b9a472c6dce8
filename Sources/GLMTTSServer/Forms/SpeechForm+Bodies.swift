import Foundation
import GLMTTSAPI

extension SpeechForm {
    /// The form of a URL-encoded `POST /api/tts` body: its values are text, parsed like a
    /// multipart form's (malformed numbers and booleans are 422s naming the field).
    init(urlEncoded body: Components.Schemas.TTSRequestForm, maxValueBytes: Int) throws {
        var fields = FormFields(maxValueBytes: maxValueBytes, maxFileBytes: 0)
        let values: [SpeechField: String?] = [
            .text: body.text, .voiceID: body.voiceId, .promptText: body.promptText, .temperature: body.temperature,
            .topP: body.topP, .topK: body.topK, .samplingStrategy: body.samplingStrategy, .skipWhisper: body.skipWhisper,
            .seed: body.seed, .speed: body.speed, .format: body.format, .model: body.model, .async: body.async,
            .language: body.language, .voiceMatch: body.voiceMatch, .verify: body.verify,
        ]
        for (field, value) in values { fields.setValue(field.rawValue, value) }
        try self.init(fields: fields)
    }

    /// The form of a JSON `POST /api/tts` body (already typed by the decoder).
    init(json body: Components.Schemas.TTSRequestJSON) {
        self.init(
            text: body.text, voiceID: body.voiceId, promptText: body.promptText, temperature: body.temperature,
            topP: body.topP, topK: body.topK, samplingStrategy: body.samplingStrategy?.rawValue,
            skipWhisper: body.skipWhisper.map(Self.flag), seed: body.seed, speed: body.speed,
            format: body.format?.rawValue, model: body.model, async: body.async.map(Self.flag),
            language: body.language, voiceMatch: body.voiceMatch.map(Self.flag), verify: body.verify.map(Self.flag))
    }

    /// A speech form from typed (JSON) fields.
    init(
        text: String, voiceID: String?, promptText: String?, temperature: Double?, topP: Double?, topK: Int?,
        samplingStrategy: String?, skipWhisper: Bool?, seed: Int64?, speed: Double?, format: String?, model: String?,
        async: Bool?, language: String? = nil, voiceMatch: Bool? = nil, verify: Bool? = nil
    ) {
        self.init()
        self.verify = verify
        self.language = language
        self.voiceMatch = voiceMatch
        self.text = text
        self.voiceID = voiceID
        self.promptText = promptText
        self.temperature = temperature
        self.topP = topP
        self.topK = topK.map(Int64.init)
        self.samplingStrategy = samplingStrategy
        self.skipWhisper = skipWhisper
        self.seed = seed
        self.speed = speed
        self.format = format
        self.model = model
        self.async = async
    }

    /// A JSON boolean that may also be sent as `1` or `0` (as the reference product's clients do).
    static func flag(_ value: Components.Schemas.Flag) -> Bool {
        switch value {
        case let .case1(bool): return bool
        case let .case2(number): return number == ._1
        }
    }
}
