package import Foundation
package import GLMTTSEngine
package import GLMTTSService
package import Logging

/// What the HTTP server is built from: its settings, the engines, and the stores, queue and
/// progress bus behind the API — each a protocol where another implementation can take
/// its place (`JobStore`, `VoiceStore`, `BlobStore`, `ProgressBus`, `JobQueue`).
///
/// Building one has no side effects; `open(configuration:logger:)` is the one place that
/// opens the local stores (the SQLite database and the files under the data directory).
/// Nothing runs until the application's services start (`buildApplication`).
package struct ServerDependencies: Sendable {
    /// Server settings.
    package let configuration: ServerConfiguration
    /// Engines (synthesizers, recognizers), loaded lazily.
    package let engines: EngineRegistry
    /// The one synthesis pipeline (also used to inspect clips for voices).
    package let pipeline: SynthesisPipeline
    /// Jobs and their events.
    package let jobs: any JobStore
    /// Saved voices.
    package let voices: any VoiceStore
    /// Uploads, results and voice clips.
    package let blobs: any BlobStore
    /// The audio of finished jobs (master and renditions).
    package let outputs: JobOutputs
    /// The caption words of finished jobs (made on first request, kept with the audio).
    package let captions: JobCaptions
    /// Live progress fan-out.
    package let progress: any ProgressBus
    /// The queue, as the scheduler that runs it (started and stopped by `JobQueueService`).
    package let scheduler: JobScheduler
    /// API keys and their daily usage.
    package let keys: any APIKeyStore
    /// Closes the stores once everything has stopped.
    package let close: @Sendable () async -> Void
    /// Prometheus metrics.
    package let metrics: ServiceMetrics
    /// The server's log.
    package let logger: Logger
    /// Streams open per client (counted until each stream ends).
    let streams = StreamSlots()
    /// The default voice, loaded in the background at start (`GLMTTSServer.run`).
    let warmUp = DefaultVoiceWarmUp()
    /// When the server started.
    package let startedAt = Date()

    /// The queue as handlers see it.
    package var queue: any JobQueue { scheduler }

    /// Opens the local stores in `configuration.dataDirectory`: `service/service.sqlite`
    /// (jobs, events, voices, keys) and the files under `service/`, holding the directory's
    /// lock (`DataDirectoryLock`: one server process per directory). Starts nothing.
    package static func open(configuration: ServerConfiguration, logger: Logger) async throws -> ServerDependencies {
        let data = configuration.dataDirectory
        let log: @Sendable (String) -> Void = { [logger] line in logger.info("\(line)") }
        let metrics = ServiceMetrics()
        let engines = configuration.engineSettings.makeRegistry(log: log, events: { event in metrics.engine(event) })
        let serviceRoot = data.root.appendingPathComponent("service", isDirectory: true)
        try FileManager.default.createDirectory(at: serviceRoot, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lock = try DataDirectoryLock(serviceRoot: serviceRoot)
        let blobs: any BlobStore
        let closeBlobs: @Sendable () async -> Void
        do {
            (blobs, closeBlobs) = try await openBlobs(configuration.blobs, serviceRoot: serviceRoot, logger: logger)
        } catch {
            lock.release()
            throw error
        }
        let database: ServiceDatabase
        do {
            database = try ServiceDatabase(path: serviceRoot.appendingPathComponent("service.sqlite"))
        } catch {
            lock.release()
            await closeBlobs()
            throw error
        }
        let jobs: any JobStore
        let voices: any VoiceStore
        let keys: any APIKeyStore
        let closeStore: @Sendable () async -> Void
        switch configuration.store {
        case .sqlite:
            (jobs, voices, keys, closeStore) = (
                SQLiteJobStore(database: database), SQLiteVoiceStore(database: database), SQLiteAPIKeyStore(database: database), {}
            )
        case let .postgres(location):
            do {
                let node = configuration.nodeName ?? ProcessInfo.processInfo.hostName + "/\(getpid())"
                let postgres = try await PostgresServiceDatabase(
                    location: location, applicationName: PostgresServiceDatabase.applicationName(ofNode: node), logger: logger)
                jobs = PostgresJobStore(database: postgres, node: node, leaseSeconds: configuration.leaseSeconds)
                voices = PostgresVoiceStore(database: postgres)
                keys = PostgresAPIKeyStore(database: postgres)
                let unused = (try? await SQLiteAPIKeyStore(database: database).all().filter { $0.revokedAt == nil }.count) ?? 0
                if unused > 0 {
                    logger.warning(
                        "\(unused) API keys in the data directory's SQLite database are not used: with GLMTTS_STORE=postgres://… keys live in PostgreSQL. Create them again with GLMTTS_STORE set (glmtts keys create …)."
                    )
                }
                if case .localDisk(folder: nil) = configuration.blobs {
                    logger.warning(
                        "Jobs are in a shared PostgreSQL store but results are kept in this node's data directory: any node may run a job, so with several nodes its result may be on another machine (410 job.audio_gone). Give every node the same GLMTTS_BLOBS (s3://… or a shared file:/FOLDER)."
                    )
                }
                closeStore = { await postgres.close() }
            } catch {
                try? database.close()
                await closeBlobs()
                lock.release()
                throw error
            }
        }
        let hub = ProgressHub(store: jobs, bufferLimit: configuration.streamBufferLimit, log: log)
        let pipeline = SynthesisPipeline(
            registry: engines, audioLimits: configuration.audioLimits,
            transcriptCache: TranscriptCache(data: data))
        let executor = MeasuredJobExecutor(
            base: ServiceJobExecutor(
                synthesis: SynthesisJobExecutor(pipeline: pipeline, blobs: blobs, voices: voices),
                transcription: TranscriptionJobExecutor(registry: engines, blobs: blobs, audioLimits: configuration.audioLimits)),
            metrics: metrics
        ) { [logger] message, fields in
            logger.info("\(message)", metadata: fields.mapValues { .string($0) })
        }
        let scheduler = JobScheduler(
            store: jobs, hub: hub, executor: executor,
            configuration: JobSchedulerConfiguration(
                slots: configuration.laneSlots, maxQueued: configuration.maxQueuedJobs, runsJobs: configuration.role.runsJobs,
                role: configuration.role.rawValue,
                listeningPollInterval: .milliseconds(Int(configuration.pollSeconds * 1000)),
                heartbeatInterval: .milliseconds(Int(min(5, configuration.leaseSeconds / 3) * 1000))),
            log: log)
        return ServerDependencies(
            configuration: configuration, engines: engines, pipeline: pipeline, jobs: jobs, voices: voices, blobs: blobs,
            outputs: JobOutputs(blobs: blobs), captions: JobCaptions(blobs: blobs, registry: engines, made: { metrics.captions($0) }),
            progress: hub, scheduler: scheduler,
            keys: keys,
            close: {
                // Closing waits for reads still running; do that off the cooperative pool.
                _ = try? await BlockingExecutor(label: "database-close").run { try database.close() }
                await closeStore()
                await closeBlobs()
                lock.release()
            },
            metrics: metrics, logger: logger)
    }

    /// The blob store `setting` names, and how to close it. An S3 bucket is checked once:
    /// a bucket that does not exist or refuses these credentials stops the start with the
    /// reason; one that cannot be reached now is only logged (`/ready` reports it until it
    /// answers).
    static func openBlobs(
        _ setting: BlobStoreSetting, serviceRoot: URL, logger: Logger
    ) async throws -> (any BlobStore, @Sendable () async -> Void) {
        switch setting {
        case let .localDisk(folder):
            let store = LocalBlobStore(root: folder ?? serviceRoot)
            try store.createFolders()
            return (store, {})
        case let .s3(location, credentials):
            let client = S3Client(location: location, credentials: credentials)
            let store = S3BlobStore(client: client)
            do {
                try await client.headBucket()
            } catch let S3Error.refused(status, code, message) where status == 403 || status == 404 {
                await client.shutdown()
                throw ConfigurationError.unsafe(
                    reason:
                        "the S3 bucket '\(location.bucket)' at \(location.endpoint.absoluteString) answered \(status) \(code)\(message.isEmpty ? "" : " (\(message))"). Create the bucket, or give AWS_ACCESS_KEY_ID a key that may use it, and check GLMTTS_BLOBS."
                )
            } catch {
                logger.warning("The S3 bucket cannot be used yet; /ready reports it until it answers", metadata: ["reason": "\(error)"])
            }
            return (store, { await client.shutdown() })
        }
    }
}
