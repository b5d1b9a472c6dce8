import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSServer

/// `glmtts transcribe FILE`: speech to text with the default recognizer (Whisper).
struct TranscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe speech in an audio file (Whisper tiny.en by default).",
        discussion: """
            Prints the text. With --json, prints the transcript with segments, timings and the
            recognizer's confidence figures. A transcript the recognizer itself doubts (no speech,
            low confidence, repetitive) is still printed, with a warning on stderr saying why it
            would not be used as a reference text.
            """
    )

    @Argument(help: "The audio file (wav, flac, ogg, mp3, m4a, aac, webm; '-' for standard input).")
    var file: String

    @Option(help: "Recognizer model id (see `glmtts models list`).")
    var model: String?

    @Option(help: "Language of the speech (zh, ja, en, …); default: identified by the multilingual model when installed.")
    var language: String?

    @Flag(help: "Print the transcript as JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let data = try readInput(file, what: "audio file", limit: AudioLimits.default.maxBytes)
            let audio = try await BlockingExecutor(label: "transcribe").run { try AudioDecoder.decode(data).audio }
            let settings = try EngineSettings.load()
            let registry = settings.makeRegistry(log: WorkerLog.sink(verbose: settings.verboseWorkers))
            let recognizer: any SpeechRecognizer
            let transcript: Transcript
            do {
                (recognizer, transcript) = try await registry.transcribe(audio, model: model, language: language)
            } catch {
                await registry.reload()
                throw error
            }
            await registry.reload()  // stops the worker process
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(transcript), as: UTF8.self))
            } else {
                print(transcript.text)
            }
            do {
                _ = try ReferenceTranscriber(recognizer: recognizer).check(transcript)
            } catch let doubt as TranscriptionError {
                FileHandle.standardError.write(Data("warning: \(doubt.message)\n".utf8))
            }
        }
    }
}
