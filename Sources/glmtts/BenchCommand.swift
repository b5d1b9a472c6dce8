import ArgumentParser
import Foundation
import GLMTTSBenchmark
import GLMTTSEngine
import GLMTTSServer

/// `glmtts bench`: real-time factor, peak memory and engine overhead for a Piper voice.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure synthesis speed (RTF), peak memory and engine-layer overhead.",
        discussion: """
            Runs the fixed short (1 sentence) and long (20 sentences) texts through our engine and
            through a direct sherpa-onnx C API call on the same voice, alternating, after one warm-up
            each, and prints a table of medians. RTF = wall time ÷ audio duration (lower is faster).
            Overhead = median engine time ÷ median direct time − 1. Then the default recognizer
            (Whisper tiny.en in its worker): cold start to first transcript, and warm
            transcription of both texts as spoken by the voice.
            """
    )

    @Option(help: "Piper voice id (default: the default voice).")
    var model: String?

    @Option(help: "Measured runs per case.")
    var iterations = 5

    @Option(help: "ONNX Runtime threads for the voice (default: cores, at most 4).")
    var threads = PiperSynthesizer.defaultThreads

    @Flag(name: .customLong("skip-recognizer"), help: "Do not measure the speech recognizer.")
    var skipRecognizer = false

    @Flag(help: "Measure the Kokoro voices per language (Mandarin, Japanese, English) and Whisper base beside tiny.en instead.")
    var languages = false

    @Flag(help: "Measure verified speech and captions on the voice instead: second takes, and their cost per second of audio.")
    var verification = false

    @Option(
        help: ArgumentHelp(
            "Measure the job queue's own cost per job instead, with an engine that does nothing.",
            discussion: "STORE is sqlite (a new file) or postgres://… (an empty database: the jobs stay in it).",
            valueName: "store"))
    var queue: String?

    @Option(help: "Jobs per --queue run.")
    var jobs = 2000

    @Option(help: "Slots (jobs running at once) of the --queue run.")
    var slots = 4

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            guard (1...1000).contains(iterations) else {
                throw ParameterError.malformed("--iterations must be between 1 and 1000.")
            }
            guard (1...64).contains(threads) else {
                throw ParameterError.malformed("--threads must be between 1 and 64.")
            }
            if let queue {
                try await runQueue(on: queue)
                return
            }
            let settings = try EngineSettings.load()
            let registry = settings.makeRegistry(log: WorkerLog.sink(verbose: settings.verboseWorkers))
            let quiet = json || isatty(STDERR_FILENO) != 1
            if languages {
                try await runLanguages(registry: registry, quiet: quiet)
                return
            }
            if verification {
                try await runVerification(registry: registry, quiet: quiet)
                return
            }
            let installed = try registry.store.model(id: model ?? registry.defaultSynthesizerID())
            guard installed.manifest.engine == .piper else {
                throw ParameterError.malformed(
                    "bench measures Piper voices; '\(installed.manifest.id)' is a \(installed.manifest.engine.rawValue) model.")
            }
            let quietProgress = quiet
            let report = try await SynthesisBenchmark.run(model: installed, iterations: iterations, threads: threads) { line in
                if !quietProgress { FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8)) }
            }
            var recognition: RecognizerBenchmark.Report?
            if !skipRecognizer {
                let whisper = try registry.store.model(id: EngineRegistry.preferredRecognizer)
                recognition = try await RecognizerBenchmark.run(
                    recognizerModel: whisper, voice: installed, projectRoot: registry.projectRoot, iterations: iterations
                ) { line in
                    if !quietProgress { FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8)) }
                }
            }
            if !quietProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json {
                print(Self.json(BenchReport(synthesis: report, recognition: recognition)))
            } else {
                print(Self.table(report, iterations: iterations))
                if let recognition { print("\n" + Self.table(recognition)) }
            }
        }
    }

    /// `--queue`: submissions and completions per second of the queue alone.
    private func runQueue(on store: String) async throws {
        guard (1...1_000_000).contains(jobs), (1...256).contains(slots) else {
            throw ParameterError.malformed("--jobs must be between 1 and 1000000, --slots between 1 and 256.")
        }
        let report = try await QueueBenchmark(store: store, jobs: jobs, slots: slots).run()
        if json {
            print(Self.json(report))
            return
        }
        print("| store | jobs | slots | submitted/s | completed/s | ms per job |\n|---|---:|---:|---:|---:|---:|")
        print(
            String(
                format: "| %@ | %d | %d | %.0f | %.0f | %.2f |", report.store, report.jobs, report.slots, report.submittedPerSecond,
                report.completedPerSecond, 1000 / report.completedPerSecond))
    }

    /// `--languages`: Kokoro per language, then each faster-whisper model on clips of every language it hears.
    private func runLanguages(registry: EngineRegistry, quiet: Bool) async throws {
        let progress: @Sendable (String) -> Void = { line in
            if !quiet { FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8)) }
        }
        let kokoro = try await LanguageBenchmark.run(registry: registry, iterations: iterations, log: progress)
        var clips: [String: [(String, AudioBuffer)]] = [:]
        for language in kokoro.languages {
            let engine = try await registry.synthesizer(id: language.voice)
            let (short, long) = LanguageBenchmark.texts.first { $0.0 == language.language }.map { ($0.1, $0.2) } ?? ("", "")
            clips[language.language] = [
                ("\(language.language), short", try await RecognizerBenchmark.speak(short, with: engine, language: language.language)),
                ("\(language.language), long", try await RecognizerBenchmark.speak(long, with: engine, language: language.language)),
            ]
        }
        await registry.reload()  // stops the Kokoro worker before the recognizers are timed
        var recognition: [RecognizerBenchmark.Report] = []
        for model in registry.store.scan().models where model.manifest.engine == .fasterWhisper {
            let heard = ["en", "zh", "ja"].filter { LanguageCode.covers(model.manifest.languages, $0) }
            let report = try await RecognizerBenchmark.run(
                recognizerModel: model, clips: heard.flatMap { clips[$0] ?? [] },
                projectRoot: registry.projectRoot, iterations: iterations, log: progress)
            recognition.append(report)
        }
        if !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            print(Self.json(LanguageBenchReport(kokoro: kokoro, recognition: recognition)))
            return
        }
        var lines = [
            String(
                format: "Kokoro worker: start and model load %.2f s, peak RSS %@, %d measured runs per case (medians)", kokoro.loadSeconds,
                kokoro.workerPeakMemoryBytes.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "unknown", iterations),
            "", "| language | voice | case | audio (s) | median (s) | RTF | first audio, long (s) |", "|---|---|---|---:|---:|---:|---:|",
        ]
        for language in kokoro.languages {
            for result in language.results {
                lines.append(
                    String(
                        format: "| %@ | %@ | %@ | %.2f | %.3f | %.3f | %@ |", language.language, language.voice, result.name,
                        result.audioSeconds, result.medianSeconds, result.realTimeFactor,
                        result.name.hasPrefix("long") ? String(format: "%.3f", language.firstAudioSeconds) : ""))
            }
        }
        print(lines.joined(separator: "\n"))
        for report in recognition { print("\n" + Self.table(report)) }
    }

    /// `--verification`: second takes and the cost of verified speech and captions.
    private func runVerification(registry: EngineRegistry, quiet: Bool) async throws {
        let voice = try model ?? registry.defaultSynthesizerID()
        let report = try await VerificationBenchmark.run(registry: registry, voice: voice, rounds: iterations) { line in
            if !quiet { FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8)) }
        }
        if !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            print(Self.json(report))
            return
        }
        let percent = { (count: Int) in String(format: "%d (%.1f %%)", count, 100 * Double(count) / Double(max(1, report.sentences))) }
        let failures = report.failedChecks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(
            [
                "voice \(report.model): the 20-sentence benchmark text (\(String(format: "%.1f", report.audioSeconds)) s of audio), \(report.rounds) round(s)",
                "",
                "| measure | value |",
                "|---|---:|",
                "| sentences verified | \(report.sentences) |",
                "| needed a second take | \(percent(report.retaken)) |",
                "| failed every take (best kept) | \(percent(report.failed)) |",
                "| checks they still failed | \(failures.isEmpty ? "none" : failures) |",
                String(format: "| synthesis, plain (median s) | %.2f |", report.plainSeconds),
                String(format: "| synthesis, verified (median s) | %.2f |", report.verifiedSeconds),
                String(format: "| checking, s per audio s | %.3f |", report.checkPerAudioSecond),
                String(format: "| retakes, s per audio s | %.3f |", report.retakePerAudioSecond),
                String(format: "| captions of an unverified result, s per audio s | %.3f |", report.alignmentPerAudioSecond),
            ].joined(separator: "\n"))
    }

    /// Everything `bench --languages --json` prints.
    struct LanguageBenchReport: Encodable {
        var kokoro: LanguageBenchmark.Report
        var recognition: [RecognizerBenchmark.Report]
    }

    static func table(_ report: SynthesisBenchmark.Report, iterations: Int) -> String {
        var lines = [
            "voice \(report.model), \(report.threads) ONNX Runtime thread(s), engine load \(String(format: "%.2f", report.loadSeconds)) s, \(iterations) measured runs per case (medians)",
            "",
            "| case | audio (s) | median (s) | min (s) | RTF | peak RSS (MiB) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for result in report.results {
            lines.append(
                String(
                    format: "| %@ | %.2f | %.3f | %.3f | %.4f | %.0f |", result.name, result.audioSeconds,
                    result.medianSeconds, result.minSeconds, result.realTimeFactor,
                    Double(result.peakMemoryBytes) / 1_048_576))
        }
        lines.append("")
        for (label, overhead) in report.overhead.sorted(by: { $0.key > $1.key }) {
            lines.append(String(format: "engine-layer overhead, %@: %+.1f%%", label, overhead * 100))
        }
        return lines.joined(separator: "\n")
    }

    /// Everything `bench --json` prints.
    struct BenchReport: Encodable {
        var synthesis: SynthesisBenchmark.Report
        var recognition: RecognizerBenchmark.Report?
    }

    static func table(_ report: RecognizerBenchmark.Report) -> String {
        var lines = [
            "recognizer \(report.model) (faster-whisper worker): cold start to first transcript \(String(format: "%.2f", report.coldSeconds)) s",
            "",
            "| case | audio (s) | median (s) | min (s) | RTF |",
            "|---|---:|---:|---:|---:|",
        ]
        for result in report.results {
            lines.append(
                String(
                    format: "| %@ | %.2f | %.3f | %.3f | %.4f |", result.name, result.audioSeconds,
                    result.medianSeconds, result.minSeconds, result.realTimeFactor))
        }
        return lines.joined(separator: "\n")
    }

    static func json<T: Encodable>(_ report: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self)
    }
}
