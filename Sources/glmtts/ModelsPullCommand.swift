import ArgumentParser
import Dispatch
import Foundation
import GLMTTSEngine
import GLMTTSModelPull
import GLMTTSServer

/// `glmtts models pull ID… [--from PATH] [--force]`: downloads published models from the
/// catalogue, checks them and installs them atomically. Ctrl-C cancels cleanly (partial
/// downloads are kept, so the next pull resumes them).
struct ModelsPullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download and install published models (see `glmtts models catalog`).",
        discussion: """
            IDs are catalogue entries or packs (kokoro-v1.0, piper-zh, …). Downloads resume after a cut, \
            are checked against the catalogue's sizes and digests, and are installed atomically: a failed or \
            cancelled pull installs nothing. GLMTTS_MODEL_MIRROR=URL fetches every file from a mirror \
            (publisher paths unchanged); --from PATH installs files already downloaded (air-gapped machines).
            """
    )

    @Argument(help: "Catalogue entries or packs to install.")
    var ids: [String]

    @Option(help: "Install from this downloaded file, or folder of files named as published, instead of the network.")
    var from: String?

    @Flag(help: "Download and replace models that are installed already.")
    var force = false

    @Flag(help: "No progress bar.")
    var quiet = false

    mutating func run() async throws {
        let (ids, force, quiet) = (self.ids, self.force, self.quiet)
        let source = from.map { URL(fileURLWithPath: $0) }
        try await runReportingErrors {
            let settings = try ModelPullSettings.load()
            let engine = try EngineSettings.load()
            let bar = ProgressBar(quiet: quiet)
            let lines = PullLineReporter(terminal: isatty(STDERR_FILENO) == 1 && !quiet)
            let client = DownloadClient()
            let result: Result<PullReport, any Error>
            do {
                let puller = try settings.puller(engine: engine, client: client)
                let pull = Task {
                    try await puller.pull(ids, force: force, from: source) { progress in lines.report(progress, bar: bar) }
                }
                let interrupts = Self.cancelOnInterrupt(pull)
                result = await pull.result
                interrupts.forEach { $0.cancel() }
            } catch {
                result = .failure(error)
            }
            bar.finish()
            await client.shutdown()
            let report: PullReport
            do {
                report = try result.get()
            } catch is CancellationError {
                throw ModelPullError.cancelled(id: ids.joined(separator: ", "))
            }
            for id in report.installed { print("Installed \(id) into \(engine.dataDirectory.models.appendingPathComponent(id).path)") }
            for id in report.skipped { print("\(id) is installed already; nothing to do (--force replaces it)") }
            if !report.installed.isEmpty {
                print("Downloaded \(ModelPullError.size(report.bytesDownloaded)). A running server loads new models on its next request.")
            }
        }
    }

    /// Cancels `task` on Ctrl-C (SIGINT) or SIGTERM instead of dying mid-write.
    private static func cancelOnInterrupt(_ task: Task<PullReport, any Error>) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
    }
}
