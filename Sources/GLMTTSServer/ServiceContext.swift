package import Foundation
package import GLMTTSEngine
package import GLMTTSService
package import Logging

/// Everything a running server shares: configuration, engines, the durable job store and
/// its scheduler, saved voices and the files of jobs and voices.
///
/// Opening it opens (or creates) the SQLite database `service.sqlite` in the data
/// directory, recovers jobs interrupted by a previous crash and starts the queue.
package final class ServiceContext: Sendable {
    /// Server settings.
    package let configuration: ServerConfiguration
    /// Engines (synthesizers, recognizers), loaded lazily.
    package let registry: EngineRegistry
    /// The SQLite database holding jobs, events and voices.
    package let database: ServiceDatabase
    /// Jobs and their events.
    package let jobs: any JobStore
    /// Saved voices.
    package let voices: any VoiceStore
    /// Live progress fan-out.
    package let hub: ProgressHub
    /// The queue.
    package let scheduler: JobScheduler
    /// Uploads, results and voice clips on disk (named after opaque ids only).
    package let files: JobFiles
    /// The one synthesis pipeline (also used to inspect clips for voices).
    package let pipeline: SynthesisPipeline
    /// API keys and their daily usage.
    package let keys: APIKeyStore
    /// Prometheus metrics.
    package let metrics: ServiceMetrics
    /// The server's log.
    package let logger: Logger
    /// Streams open per client (counted until each stream ends).
    let streams = StreamSlots()
    /// When the server started.
    package let startedAt = Date()

    /// Opens the store in `configuration.dataDirectory` and starts the queue.
    package init(configuration: ServerConfiguration, logger: Logger) async throws {
        self.configuration = configuration
        self.logger = logger
        let data = configuration.dataDirectory
        let log: @Sendable (String) -> Void = { [logger] line in logger.info("\(line)") }
        let metrics = ServiceMetrics()
        self.metrics = metrics
        registry = EngineRegistry(store: ModelStore(directory: data.models), log: log, events: { event in metrics.engine(event) })
        let serviceRoot = data.root.appendingPathComponent("service", isDirectory: true)
        files = JobFiles(root: serviceRoot)
        try files.createFolders()
        database = try ServiceDatabase(path: serviceRoot.appendingPathComponent("service.sqlite"))
        let jobStore = SQLiteJobStore(database: database)
        jobs = jobStore
        let voiceStore = SQLiteVoiceStore(database: database)
        voices = voiceStore
        keys = APIKeyStore(database: database)
        hub = ProgressHub(store: jobStore, bufferLimit: configuration.streamBufferLimit, log: log)
        pipeline = SynthesisPipeline(
            registry: registry, textLimits: configuration.textLimits, audioLimits: configuration.audioLimits,
            transcriptCache: serviceRoot.appendingPathComponent("transcripts", isDirectory: true))
        let service = ServiceJobExecutor(
            synthesis: SynthesisJobExecutor(pipeline: pipeline, files: files, voices: voiceStore),
            transcription: TranscriptionJobExecutor(registry: registry, files: files, audioLimits: configuration.audioLimits))
        let executor = MeasuredJobExecutor(base: service, metrics: metrics) { [logger] message, fields in
            logger.info("\(message)", metadata: fields.mapValues { .string($0) })
        }
        scheduler = JobScheduler(
            store: jobStore, hub: hub, executor: executor,
            configuration: JobSchedulerConfiguration(slots: configuration.laneSlots, maxQueued: configuration.maxQueuedJobs),
            log: log)
        try await scheduler.start()
    }

    /// The queue lane of a synthesis with `model` (nil: the default voice): GPU engines
    /// share the GPU lane, everything else runs on the CPU lane.
    package func synthesisLane(model: String?) -> JobLane {
        JobLane.synthesis(on: model.flatMap { try? registry.store.model(id: $0) }?.manifest.engine)
    }

    /// A new job record with this server's retry policy, owned by the requesting API key
    /// (`RequestInfo.current.principal`; nobody in open mode).
    package func makeJob(_ payload: JobPayload, id: JobID = JobID(), batchID: String? = nil, batchIndex: Int? = nil) -> JobRecord {
        let lane: JobLane
        switch payload {
        case let .synthesis(spec): lane = synthesisLane(model: spec.model)
        case .transcription: lane = .asr
        }
        var job = JobRecord(id: id, payload: payload, lane: lane, maxAttempts: configuration.maxAttempts)
        job.batchID = batchID
        job.batchIndex = batchIndex
        job.owner = RequestInfo.current.principal.owner
        return job
    }

    /// Re-reads the models directory (`EngineRegistry.refresh`) and logs what happened,
    /// naming what asked for it (`SIGHUP`, `admin API`).
    package func refreshModels(trigger: String) async -> ModelRefreshReport {
        let report = await registry.refresh()
        logger.notice("\(trigger): models directory re-read", metadata: [
            "reloaded": "\(report.reloaded.joined(separator: ","))", "unchanged": "\(report.unchanged.joined(separator: ","))",
            "unloaded": "\(report.unloaded.joined(separator: ","))",
            "failed": "\(report.failed.map { "\($0.id): \($0.detail)" }.joined(separator: "; "))",
        ])
        return report
    }

    /// Stops the queue: running jobs get `gracePeriod` to finish, the rest are re-queued
    /// for the next start; recognizer workers are stopped.
    package func shutdown(gracePeriod: Duration) async {
        await scheduler.shutdown(gracePeriod: gracePeriod)
        await registry.reload()
        // Closing waits for reads still running; do that off the cooperative pool.
        let database = self.database
        _ = try? await BlockingExecutor(label: "database-close").run { try database.close() }
    }
}
