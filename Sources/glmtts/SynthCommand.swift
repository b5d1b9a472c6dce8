import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSServer

/// `glmtts synth`: text in, speech file out.
struct SynthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Synthesise speech from text.",
        discussion: """
            Examples:
              glmtts synth "Hello there." -o hello.mp3
              glmtts synth --text-file story.txt --param temperature=0.6 --param speed=1.1 -o story.opus
              glmtts synth "Hi" --voice me.wav --prompt-text "What I say in me.wav" --model zipvoice-en -o hi.wav
            Parameters (--param NAME=VALUE): temperature 0.1–1.5, top_p 0.5–1.0, top_k 1–100,
            sampling_strategy fast|balanced|quality, seed (integer), speed 0.25–4.0. Each result says which
            parameters the voice applied and which it ignored, and why.
            Exit codes: 0 ok, 2 bad input, 3 not found, 4 unavailable, 1 internal failure, 130 cancelled.
            """
    )

    @Argument(help: "The text to speak (or use --text-file).")
    var text: String?

    @Option(name: .customLong("text-file"), help: "Read the text from a file ('-' for standard input).")
    var textFile: String?

    @Option(name: .customLong("voice"), help: "Reference clip of the voice to clone (wav, flac, ogg, mp3, m4a, webm).")
    var referenceClip: String?

    @Option(name: .customLong("prompt-text"), help: "Transcript of the reference clip; without it the clip is transcribed with Whisper.")
    var promptText: String?

    @Flag(name: .customLong("skip-whisper"), help: "Do not transcribe a reference clip that comes without --prompt-text.")
    var skipWhisper = false

    @Option(name: .customLong("model"), help: "Voice model id (see `glmtts models list`); default: the default voice.")
    var model: String?

    @Option(name: .customLong("param"), help: "A synthesis parameter as NAME=VALUE; repeatable.")
    var parameters: [String] = []

    @Option(
        name: .shortAndLong,
        help:
            "Output file; its extension picks the format unless --format is given. '-' writes to standard output (wav and pcm stream there sentence by sentence)."
    )
    var output: String = "speech.wav"

    @Option(help: "Output format: wav, mp3, opus, flac, aac, pcm (raw 16-bit little-endian mono).")
    var format: String?

    @Option(help: "Language of the text (zh, ja, en, …); default: detected sentence by sentence, which also picks the voice.")
    var language: String?

    @Flag(
        name: .customLong("voice-match"),
        help: "With --voice and a model that cannot clone: speak with the built-in voice closest to the clip (not a clone).")
    var voiceMatch = false

    @Flag(help: "Check every sentence (transcribed and scored) and make again those that fail, up to 3 takes.")
    var verify = false

    @Flag(name: .customLong("require-clone"), help: "Fail instead of using a stock voice when the model cannot clone.")
    var requireClone = false

    @Flag(name: .customLong("no-normalize"), help: "Keep the engine's level instead of normalising loudness to -16 LUFS.")
    var noNormalize = false

    @Flag(help: "Print a JSON summary on standard output (not allowed with -o -).")
    var json = false

    @Flag(name: .shortAndLong, help: "No progress bar.")
    var quiet = false

    func run() async throws {
        try await runReportingErrors {
            var job = try makeJob()
            // To a pipe, WAV and raw PCM go out sentence by sentence as they are made.
            let stream =
                output == "-" && StandardOutputStream.streams(job.outputFormat)
                ? StandardOutputStream(format: job.outputFormat, normalize: job.normalizeLoudness) : nil
            if stream != nil { job.normalizeLoudness = false }  // the stream normalises as it goes
            // One request in this process: one session of every core, with the runtime's arena.
            await InferenceThreads.prepareForOneRequest()
            let settings = try EngineSettings.load()
            let data = settings.dataDirectory
            let registry = settings.makeRegistry(log: WorkerLog.sink(verbose: settings.verboseWorkers))
            let pipeline = SynthesisPipeline(registry: registry, transcriptCache: TranscriptCache(data: data))
            let bar = ProgressBar(quiet: quiet)
            let result: Result<SynthesisOutput, Error>
            do {
                result = .success(
                    try await pipeline.run(
                        job,
                        progress: { progress in
                            bar.update(
                                fraction: progress.fraction,
                                label: progress.detail.map { "\(progress.stage.rawValue): \($0)" } ?? progress.stage.rawValue)
                        }, chunk: { stream?.write($0) }))
            } catch {
                result = .failure(error)
            }
            bar.finish()
            await registry.reload()  // stops worker processes (Whisper) before we exit
            let output = try result.get()
            if let stream { try stream.finish() } else { try write(output) }
            report(output)
        }
    }

    /// Builds the job from the arguments, validating everything before any work starts.
    func makeJob() throws -> SynthesisJob {
        let text = try SpeechText(try readText())
        let format = try outputFormat()
        if json && output == "-" {
            throw ParameterError.malformed("--json writes to standard output, so it cannot be combined with -o -.")
        }
        var reference: Data?
        if let referenceClip {
            reference = try readInput(referenceClip, what: "reference clip")
        }
        return SynthesisJob(
            text: text, voiceID: model, referenceAudio: reference, referenceText: promptText,
            parameters: try SynthesisParameters(assignments: parameters), outputFormat: format,
            normalizeLoudness: !noNormalize, requireClone: requireClone, skipTranscription: skipWhisper,
            language: language, voiceMatch: voiceMatch, verification: verify ? VerificationThresholds() : nil)
    }

    private func readText() throws -> String {
        switch (text, textFile) {
        case (.some, .some):
            throw ParameterError.malformed("Give the text either as an argument or with --text-file, not both.")
        case (nil, nil):
            throw ParameterError.malformed("No text given: pass it as an argument or with --text-file FILE.")
        case let (.some(text), nil):
            return text
        case let (nil, .some(path)):
            let data = try readInput(path, what: "text file", limit: TextLimits.default.maxInputBytes)
            return try TextValidator.decodeUTF8(data)
        }
    }

    private func outputFormat() throws -> OutputFormat {
        if let format {
            guard let parsed = OutputFormat(name: format) else {
                throw ParameterError.malformed(
                    "Unknown format '\(format)': use one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return parsed
        }
        if output == "-" { return .wav }
        let ext = URL(fileURLWithPath: output).pathExtension
        guard let parsed = OutputFormat(name: ext) else {
            throw ParameterError.malformed(
                "Cannot tell the format from '\(output)': use a .wav, .mp3, .opus, .flac, .aac or .pcm name, or --format.")
        }
        return parsed
    }

    private func write(_ result: SynthesisOutput) throws {
        if output == "-" {
            FileHandle.standardOutput.write(result.encoded)
            return
        }
        do {
            try result.encoded.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CLIError.cannotWrite(path: output, reason: error.localizedDescription)
        }
    }

    private func report(_ result: SynthesisOutput) {
        if json {
            let summary = SynthesisSummaryJSON(result, path: output)
            print(summary.encoded())
            return
        }
        var lines = [
            String(
                format: "wrote %@: %.2f s of %@ audio at %d Hz, voice %@, synthesised in %.2f s (RTF %.3f)",
                output, result.audio.duration, result.format.rawValue, result.audio.sampleRate,
                result.voiceID, result.synthesisSeconds, result.realTimeFactor)
        ]
        for (name, how) in result.summary.parameterReport.applied.sorted(by: { $0.key < $1.key }) {
            lines.append("  applied \(name.rawValue): \(how)")
        }
        for (name, why) in result.summary.parameterReport.ignored.sorted(by: { $0.key < $1.key }) {
            lines.append("  ignored \(name.rawValue): \(why)")
        }
        if let text = result.referenceText, result.referenceTextTranscribed {
            lines.append("  reference text (transcribed): \"\(text)\"")
        }
        if let reference = result.referenceReport {
            for warning in reference.warnings { lines.append("  reference: \(warning.message)") }
        }
        for note in result.notes { lines.append("note: \(note)") }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
