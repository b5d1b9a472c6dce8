import Foundation
import GLMTTSEngine

/// The JSON summary `glmtts synth --json` prints: a stable shape scripts can parse.
struct SynthesisSummaryJSON: Encodable {
    var output: String
    var format: String
    var voice: String
    var sampleRate: Int
    var durationSeconds: Double
    var synthesisSeconds: Double
    var realTimeFactor: Double
    var cloned: Bool
    var applied: [String: String]
    var ignored: [String: String]
    var referenceText: String?
    var referenceTextTranscribed: Bool
    var referenceWarnings: [String]
    var notes: [String]
    var languages: [String]
    var speakerSimilarity: Double?
    var voiceMatch: VoiceMatch?
    /// Each sentence's verification (with `--verify`).
    var verification: [SentenceVerification]?

    init(_ result: SynthesisOutput, path: String) {
        output = path
        format = result.format.rawValue
        voice = result.voiceID
        sampleRate = result.audio.sampleRate
        durationSeconds = result.audio.duration
        synthesisSeconds = result.synthesisSeconds
        realTimeFactor = result.realTimeFactor
        cloned = result.summary.cloned
        applied = Dictionary(uniqueKeysWithValues: result.summary.parameterReport.applied.map { ($0.key.rawValue, $0.value) })
        ignored = Dictionary(uniqueKeysWithValues: result.summary.parameterReport.ignored.map { ($0.key.rawValue, $0.value) })
        referenceText = result.referenceText
        referenceTextTranscribed = result.referenceTextTranscribed
        referenceWarnings = result.referenceReport?.warnings.map(\.message) ?? []
        notes = result.notes
        languages = result.languages
        speakerSimilarity = result.speakerSimilarity
        voiceMatch = result.voiceMatch
        verification = result.verification
    }

    /// Pretty, key-sorted JSON text.
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
