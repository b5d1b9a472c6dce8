import ArgumentParser
import Foundation
import GLMTTSCore

/// `glmtts audio inspect FILE`: the quality report of a reference clip.
struct AudioInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Report how good a clip is as a cloning reference (length, speech, level, clipping, noise).",
        discussion: "Speech is found with Silero VAD when the silero-vad model is installed, else by signal energy."
    )

    @Argument(help: "The audio file (wav, flac, ogg, mp3, m4a, aac, webm; '-' for standard input).")
    var file: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let data = try readInput(file, what: "audio file", limit: AudioLimits.default.maxBytes)
            let store = ModelStore(directory: DataDirectory.fromEnvironment().models)
            let report = try await BlockingExecutor(label: "inspect").run {
                let decoded = try AudioDecoder.decode(data)
                let vad = try? VoiceActivityDetector(store: store)
                return (try ReferencePreparer.analyze(decoded.audio, vad: vad), decoded)
            }
            print(json ? Self.json(report.0) : Self.text(report.0, decoded: report.1))
        }
    }

    static func text(_ report: ReferenceQualityReport, decoded: DecodedAudio) -> String {
        func fixed(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "format        \(decoded.container.rawValue), \(decoded.sourceSampleRate) Hz, \(decoded.sourceChannels) channel(s)",
            "duration      \(fixed(report.durationSeconds, 2)) s",
            "speech        \(fixed(report.speechSeconds, 2)) s (\(Int((report.speechRatio * 100).rounded()))%, found by \(report.detector))",
            "used window   " + (report.window.map { "\(fixed($0.start, 2))–\(fixed($0.end, 2)) s (\(fixed($0.duration, 2)) s)" } ?? "none"),
            "peak          \(fixed(report.peakDBFS)) dBFS",
            "clipping      \(fixed(report.clippedFraction * 100, 2))% of samples",
            "speech level  \(fixed(report.rmsDBFS)) dBFS RMS",
            "SNR estimate  " + (report.snrDB.map { "\(fixed($0)) dB" } ?? "n/a"),
        ]
        lines.append(report.warnings.isEmpty ? "no warnings: this clip is fine for cloning" : "warnings:")
        lines += report.warnings.map { "  - \($0.message)" }
        return lines.joined(separator: "\n")
    }

    static func json(_ report: ReferenceQualityReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(report)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
