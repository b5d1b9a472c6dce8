import Foundation
import GLMTTSEngine

/// Loads the default voice in the background when the server starts, so that the first
/// request does not wait for it, and tells `/ready` how far it got.
///
/// The voice is ready once its first session has loaded; a Piper voice then loads its
/// one-thread sessions too (for concurrent requests and long texts), still in the background,
/// one at a time and each only after no request has run for `quietPeriod`, so that the first
/// requests do not share the cores with them. (Loading both at once as soon as the first
/// session was in made a request polled right at that moment run beside two loads: warm
/// starts to first synthesis measured 1.4–1.8× piper-tts's while cold ones were ahead.)
/// A server that never started the warm-up (tests building the application directly) loads
/// the voice at the first `/ready` or request instead, as before.
actor DefaultVoiceWarmUp {
    /// Where the warm-up stands.
    enum State: Sendable, Equatable {
        /// Not started.
        case idle
        /// Loading `voice` since `since`.
        case loading(voice: String, since: ContinuousClock.Instant)
        /// Finished (loaded or failed: `/ready` then checks the voice itself).
        case finished
    }

    private(set) var state = State.idle
    private var task: Task<Void, Never>?

    /// Starts loading the default voice of `engines`; `log` gets one line when it is loaded or failed.
    func start(engines: EngineRegistry, log: @escaping @Sendable (String) -> Void) {
        guard state == .idle, let id = try? engines.defaultSynthesizerID() else { return }
        let started = ContinuousClock.now
        state = .loading(voice: id, since: started)
        task = Task {
            do {
                let synthesizer = try await engines.synthesizer(id: id)
                log("default voice \(id) loaded in \(Self.seconds(since: started)) s")
                finish()
                guard let piper = synthesizer as? PiperSynthesizer else { return }
                do {
                    for count in 1...max(1, piper.parallelSessionCount) {
                        try await Self.waitForQuiet()
                        try await piper.prepareParallelSessions(count: count)
                    }
                    log("default voice \(id): parallel sessions loaded after \(Self.seconds(since: started)) s")
                } catch is CancellationError {
                    return  // the server is stopping
                } catch {
                    log("default voice \(id): parallel sessions did not load, they load at first use: \(error)")
                }
            } catch {
                log("default voice \(id) did not load at start: \((error as? GLMTTSError)?.message ?? "\(error)")")
                finish()
            }
        }
    }

    private func finish() { state = .finished }

    /// How long no synthesis must have run before a parallel session loads.
    static let quietPeriod = Duration.milliseconds(500)

    /// Returns once no synthesis has run for `quietPeriod` (checked every 50 ms): a request
    /// still on its way through HTTP and the queue when one check sees the engine idle is
    /// synthesising by the next ones. Throws `CancellationError` when the server stops.
    private static func waitForQuiet() async throws {
        let step = Duration.milliseconds(50)
        var quiet = Duration.zero
        while quiet < quietPeriod {
            try await Task.sleep(for: step)
            quiet = InferenceThreads.shared.isIdle ? quiet + step : .zero
        }
    }

    /// Stops waiting to load the parallel sessions and waits for a load in progress to end:
    /// the process must not exit while ONNX Runtime is still building a session.
    func stop() async {
        task?.cancel()
        await task?.value
    }

    private static func seconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.2f", (ContinuousClock.now - start).inSeconds)
    }
}
