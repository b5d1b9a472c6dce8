import Foundation

/// One loaded instance of a Piper voice (an ONNX Runtime session with a fixed thread count and
/// fixed noise scales) and the serial executor its native calls run on.
///
/// The instance loads on first use, on the executor. A session serves one chunk at a time: the
/// pool hands it to one caller until it comes back.
final class PiperSession: @unchecked Sendable {
    // @unchecked Sendable: `tts` is only read and written on `executor`'s serial queue.
    /// Which noise scales and thread count it was loaded with.
    let key: PiperSessionKey
    private let executor: BlockingExecutor
    private let load: @Sendable () throws -> SherpaOfflineTTS
    private var tts: SherpaOfflineTTS?

    init(key: PiperSessionKey, voice: String, load: @escaping @Sendable () throws -> SherpaOfflineTTS) {
        self.key = key
        self.load = load
        executor = BlockingExecutor(label: "piper.\(voice).\(key.threads)t")
    }

    /// Runs `work` with the loaded instance on this session's executor, loading it first if needed.
    func run<T: Sendable>(_ work: @escaping @Sendable (SherpaOfflineTTS) throws -> T) async throws -> T {
        try await executor.run { [self] in try work(loaded()) }
    }

    /// Loads the instance now (on the executor) if it is not loaded yet.
    func prepare() async throws { _ = try await run { _ in () } }

    private func loaded() throws -> SherpaOfflineTTS {
        if let tts { return tts }
        let made = try load()
        tts = made
        return made
    }
}

/// What distinguishes two sessions of one voice: the VITS noise scales (fixed per loaded model
/// in sherpa-onnx) and the ONNX Runtime intra-op threads.
struct PiperSessionKey: Hashable, Sendable {
    /// noise_scale and noise_w.
    var noise: Double
    var noiseW: Double
    /// ONNX Runtime threads of the session.
    var threads: Int

    /// The noise settings alone, the unit the pool evicts by.
    var noiseKey: String { "\(noise)/\(noiseW)" }
}
