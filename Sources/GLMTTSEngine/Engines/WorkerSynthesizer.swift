import Foundation

/// A synthesizer that runs in a worker process: the real GLM-TTS model
/// (`workers/glmtts_worker.py`, PyTorch on an NVIDIA GPU).
///
/// UNVERIFIED HERE: no GPU and no GLM-TTS weights exist on the build machine. The Swift side
/// is tested against `Tests/fixtures/fake_worker.py`, which speaks the same protocol; see
/// docs/WORKERS.md for running the real worker.
///
/// The manifest (engine `glmtts`) names no files; its options say where GLM-TTS lives:
/// `repo` (the GLM-TTS checkout, required), `python` (its interpreter; default the project
/// venv's), `ckpt` (default `<repo>/ckpt`), `device` (default `cuda:0`).
public final class WorkerSynthesizer: SpeechSynthesizer {
    public let id: String
    public let capabilities: SynthesizerCapabilities
    private let worker: WorkerSupervisor

    /// Starts the worker for `model` and loads the model in it (startup request).
    public static func load(
        _ model: InstalledModel, projectRoot: URL,
        log: @escaping @Sendable (String) -> Void = { _ in },
        events: @escaping EngineEventSink = { _ in }
    ) async throws -> WorkerSynthesizer {
        let synthesizer = WorkerSynthesizer(
            model: model, configuration: try configuration(for: model, projectRoot: projectRoot),
            log: log, events: events)
        _ = try await synthesizer.worker.call("health", timeout: .seconds(30))
        return synthesizer
    }

    /// The worker configuration a `glmtts` manifest describes.
    public static func configuration(for model: InstalledModel, projectRoot: URL) throws -> WorkerConfiguration {
        let options = model.manifest.options
        guard let repo = options["repo"], !repo.isEmpty else {
            throw ModelError.invalidManifest(path: model.manifest.id, reason: "option 'repo' (the GLM-TTS checkout) is missing")
        }
        var arguments = ["--repo", repo, "--device", options["device"] ?? "cuda:0"]
        if let ckpt = options["ckpt"], !ckpt.isEmpty {
            // A relative checkpoint (a pulled model's `ckpt`) lies in the model's own folder.
            let path = ckpt.hasPrefix("/") ? ckpt : model.directory.appendingPathComponent(ckpt).path
            arguments += ["--ckpt", path]
        }
        var configuration = WorkerConfiguration.pythonWorker(
            name: "glmtts", script: "glmtts_worker.py", arguments: arguments, root: projectRoot)
        if let python = options["python"], !python.isEmpty { configuration.executable = URL(fileURLWithPath: python) }
        configuration.startTimeout = .seconds(600)  // loading the model onto the GPU
        configuration.requestTimeout = .seconds(900)
        configuration.startupRequest = ("load", ["model": .object([:])])
        return configuration
    }

    /// A synthesizer over an explicit worker configuration (tests use the fake worker).
    public init(
        model: InstalledModel, configuration: WorkerConfiguration, log: @escaping @Sendable (String) -> Void = { _ in },
        events: @escaping EngineEventSink = { _ in }
    ) {
        id = model.manifest.id
        worker = WorkerSupervisor(configuration: configuration, log: log, events: events)
        capabilities = SynthesizerCapabilities(
            languages: model.manifest.languages, sampleRate: model.manifest.sampleRate, canClone: true,
            streaming: true, honouredParameters: EngineKind.glmtts.honouredParameters)
    }

    /// Stops the worker process.
    public func shutdown() async {
        await worker.shutdown()
    }

    public func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisEvent, Error> {
        SynthesisStream.make { [self] continuation, _ in
            guard let reference = request.referenceAudio, !reference.samples.isEmpty else {
                throw EngineError.referenceRequired(engine: id, what: "a reference clip")
            }
            guard let referenceText = request.referenceText, !referenceText.isEmpty else {
                throw EngineError.referenceRequired(engine: id, what: "the transcript of the reference clip")
            }
            let parameters = request.parameters
            var wanted: [String: JSONValue] = [
                "temperature": .number(parameters.temperature), "top_p": .number(parameters.topP),
                "top_k": .number(Double(parameters.topK)), "sampling_strategy": .string(parameters.samplingStrategy.rawValue),
                "speed": .number(parameters.speed),
            ]
            if let seed = parameters.seed { wanted["seed"] = .number(Double(seed % (1 << 53))) }
            var voiceKey = SHA256()
            voiceKey.update(Data(referenceText.utf8))
            reference.samples.withUnsafeBytes { voiceKey.update(bytes: $0) }
            let fields: [String: JSONValue] = [
                "text": .string(request.text), "parameters": .object(wanted), "voice_key": .string(voiceKey.finalizeHex()),
                "reference": .object(["audio": WorkerAudio.encode(reference), "text": .string(referenceText)]),
            ]
            var chunks = 0
            var sampleRate = capabilities.sampleRate
            for try await event in worker.stream("synthesize", fields) {
                switch event {
                case let .progress(fraction, _, detail):
                    continuation.yield(.progress(SynthesisProgress(stage: .synthesizing, fraction: fraction, detail: detail)))
                case let .chunk(_, audio, text):
                    sampleRate = audio.sampleRate
                    continuation.yield(.chunk(index: chunks, audio: audio, text: text))
                    chunks += 1
                case let .result(result):
                    guard chunks > 0 else { throw EngineError.nothingToSpeak(engine: id) }
                    continuation.yield(
                        .finished(
                            SynthesisSummary(
                                parameterReport: Self.report(result["parameters"], requested: parameters),
                                sampleRate: sampleRate, cloned: true, chunkCount: chunks)))
                }
            }
        }
    }

    /// The worker's own account of applied and ignored parameters; any parameter it did not
    /// mention is reported as ignored rather than silently assumed applied.
    static func report(_ value: JSONValue?, requested: SynthesisParameters) -> ParameterReport {
        var report = ParameterReport()
        for parameter in SynthesisParameter.allCases {
            if let applied = value?["applied"]?[parameter.rawValue] {
                report.applied[parameter] = Self.describe(applied)
            } else if let reason = value?["ignored"]?[parameter.rawValue]?.stringValue {
                report.ignored[parameter] = reason
            } else {
                report.ignored[parameter] = "the worker did not report applying it"
            }
        }
        return report
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case let .string(text): return text
        case let .number(number): return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case let .bool(flag): return String(flag)
        default: return (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "applied"
        }
    }
}
