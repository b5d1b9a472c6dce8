import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSServer

/// `glmtts audio inspect FILE [--json]`: the quality report of a clip as a cloning reference.
///
/// Exit codes follow `runReportingErrors`: 0 with a report (even when the clip has no speech:
/// that is a warning in the report), 2 for a file that is not usable audio, 3 for a file
/// that cannot be read.
struct AudioInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Report how good a clip is as a cloning reference (length, speech, level, clipping, noise).",
        discussion: """
            Speech is found with Silero VAD when the silero-vad model is installed (scripts/prepare-models), \
            otherwise by signal energy; the report says which. --json prints the report as JSON.
            """
    )

    @Argument(help: "The audio file (wav, flac, ogg, mp3, m4a, aac, webm; '-' for standard input).")
    var file: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let data = try readInput(file, what: "audio file", limit: AudioLimits.default.maxBytes)
            let store = ModelStore(directory: try EngineSettings.load().dataDirectory.models)
            let (report, decoded, vadProblem) = try await BlockingExecutor(label: "inspect").run {
                let decoded = try AudioDecoder.decode(data)
                var vad: VoiceActivityDetector?
                var problem: String?
                do { vad = try VoiceActivityDetector(store: store) } catch { problem = "\(error)" }
                return (try ReferencePreparer.analyze(decoded.audio, vad: vad), decoded, problem)
            }
            if let vadProblem { printToStandardError("note: \(vadProblem) Falling back to the energy detector.") }
            print(json ? try Self.json(report) : Self.text(report, decoded: decoded))
        }
    }

    /// The human-readable table.
    static func text(_ report: ReferenceQualityReport, decoded: DecodedAudio) -> String {
        func fixed(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "format        \(decoded.container.rawValue), \(decoded.sourceSampleRate) Hz, \(decoded.sourceChannels) channel(s)",
            "duration      \(fixed(report.durationSeconds, 2)) s",
            "speech        \(fixed(report.speechSeconds, 2)) s (\(Int((report.speechRatio * 100).rounded()))%, found by \(report.detector.rawValue))",
            "used window   "
                + (report.window.map {
                    "\(fixed($0.start, 2))–\(fixed($0.end, 2)) s (\(fixed($0.duration, 2)) s, \(fixed(report.windowSpeechSeconds, 2)) s of speech)"
                } ?? "none"),
            "peak          \(fixed(report.peakDBFS)) dBFS",
            "clipping      \(fixed(report.clippedFraction * 100, 2))% of samples",
            "speech level  \(fixed(report.rmsDBFS)) dBFS RMS",
            "SNR estimate  " + (report.snrDB.map { "\(fixed($0)) dB" } ?? "n/a"),
        ]
        lines.append(report.warnings.isEmpty ? "no warnings: this clip is fine for cloning" : "warnings:")
        lines += report.warnings.map { "  - \($0.message) [\($0.code)]" }
        return lines.joined(separator: "\n")
    }

    /// The report as pretty-printed JSON with sorted keys.
    static func json(_ report: ReferenceQualityReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
