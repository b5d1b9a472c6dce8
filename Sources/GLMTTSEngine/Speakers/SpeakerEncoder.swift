import Foundation

/// Voice embeddings from the GE2E speaker encoder (Resemblyzer's weights) in the speaker
/// worker (`workers/speaker_worker.py`, numpy): 256 numbers per clip whose cosine tells how
/// alike two voices sound (measured: the same voice ≈ 0.9, different voices ≈ 0.6–0.75).
///
/// The worker starts on the first request and stays (the model is 17 MB). Audio is resampled
/// to 16 kHz and at most the first 60 s are used; the worker refuses clips with under 0.5 s
/// of speech.
public actor SpeakerEncoder {
    /// The level (LUFS) every clip is brought to before it is embedded.
    public static let loudness = -20.0

    /// The model id.
    public nonisolated let id: String
    private let worker: WorkerSupervisor

    /// An encoder for `model` (engine `.speakerEmbedding`), run from `projectRoot`'s venv.
    public init(
        model: InstalledModel, projectRoot: URL, log: @escaping @Sendable (String) -> Void = { _ in },
        events: @escaping EngineEventSink = { _ in }
    ) throws {
        guard model.manifest.engine == .speakerEmbedding else {
            throw ModelError.invalidManifest(
                path: model.manifest.id, reason: "engine is \(model.manifest.engine.rawValue), not speaker-embedding")
        }
        let weights = try model.fileURL("model")
        id = model.manifest.id
        var configuration = WorkerConfiguration.pythonWorker(
            name: "speaker", script: "speaker_worker.py", arguments: ["--name", "speaker", "--model", weights.path], root: projectRoot)
        configuration.environment["OMP_NUM_THREADS"] = "1"
        configuration.requestTimeout = .seconds(120)
        configuration.startupRequest = ("load", ["model": .object([:])])
        worker = WorkerSupervisor(configuration: configuration, log: log, events: events)
    }

    /// The unit-length embedding of the voice in `audio`.
    public func embedding(of audio: AudioBuffer) async throws -> [Double] {
        guard !audio.samples.isEmpty else { throw AudioError.noSamples }
        // The encoder's embedding depends on loudness (measured: the same clip 20 dB quieter
        // scores 0.82–0.94 against itself), so every clip is brought to one level first.
        let clip = AudioBuffer(samples: Array(audio.samples.prefix(audio.sampleRate * 60)), sampleRate: audio.sampleRate)
        let resampled = try Resampler.resample(LoudnessNormalizer.normalize(clip, targetLUFS: Self.loudness), to: 16_000)
        let answer = try await worker.call("embed", ["audio": WorkerAudio.encode(resampled)])
        let values = answer["embedding"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        guard values.count == 256 else {
            throw WorkerError.protocolViolation(worker: "speaker", reason: "the embedding has \(values.count) values, not 256")
        }
        return values
    }

    /// Stops the worker.
    public func shutdown() async { await worker.shutdown() }

    /// Cosine similarity of two embeddings (−1…1; 1 is the same direction).
    public static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0
        var normA = 0.0
        var normB = 0.0
        for index in a.indices {
            dot += a[index] * b[index]
            normA += a[index] * a[index]
            normB += b[index] * b[index]
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}
