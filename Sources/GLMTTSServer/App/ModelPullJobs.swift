import Foundation
import GLMTTSEngine
import GLMTTSModelPull
import GLMTTSService
import Logging

/// The pulls the admin API runs (`POST /api/admin/models/pull`): each in its own task with
/// its own download client, its progress fanned out to SSE subscribers, cancellable, and
/// kept for an hour after it ends (the last 50). A request for the same models as a running
/// pull joins it, so they download once; pulls of other models that share one (a pack and
/// its member) are serialised by `PullLock`, and the later one finds it installed.
///
/// Pulls live in memory: a restart forgets them, but their partial downloads stay in the
/// models directory, so pulling again resumes.
actor ModelPullJobs {
    /// Finished pulls kept for status requests.
    static let keptFinished = 50
    /// How long a finished pull is kept, seconds.
    static let keptSeconds: TimeInterval = 3600

    private var records: [String: ModelPullRecord] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    private var subscribers: [String: [UUID: AsyncStream<ModelPullRecord>.Continuation]] = [:]
    private let catalogue: @Sendable () throws -> PublishedCatalogue
    private let makePuller: @Sendable (DownloadClient) throws -> ModelPuller
    private let onInstalled: @Sendable ([String]) async -> Void
    private let logger: Logger

    /// Pulls of entries of `catalogue` (read at each start, so an edited file counts) made
    /// by `makePuller`; `onInstalled` runs after models were installed (the server re-reads
    /// its models directory there, so they are usable at once).
    init(
        catalogue: @escaping @Sendable () throws -> PublishedCatalogue,
        makePuller: @escaping @Sendable (DownloadClient) throws -> ModelPuller,
        logger: Logger, onInstalled: @escaping @Sendable ([String]) async -> Void
    ) {
        self.catalogue = catalogue
        self.makePuller = makePuller
        self.logger = logger
        self.onInstalled = onInstalled
    }

    /// Starts pulling `models` (or joins the running pull of the same models). Unknown ids
    /// and a single unavailable entry are refused here, before anything runs.
    func start(models: [String], force: Bool) throws -> ModelPullRecord {
        let entries = try catalogue().resolve(models)
        if entries.count == 1, let reason = entries[0].unavailable { throw ModelPullError.unavailable(id: entries[0].id, reason: reason) }
        if let running = records.values.first(where: { !$0.isFinished && $0.models == models && $0.force == force }) {
            return running
        }
        forgetOld()
        let record = ModelPullRecord(id: Self.newID(), models: models, force: force, createdAt: Date())
        records[record.id] = record
        tasks[record.id] = Task { await self.run(record.id) }
        logger.notice("model pull started", metadata: ["pull_id": "\(record.id)", "models": "\(models.joined(separator: ","))"])
        return record
    }

    /// The pull `id`, if known.
    func record(_ id: String) -> ModelPullRecord? {
        records[id]
    }

    /// Asks pull `id` to stop; nil when unknown.
    func cancel(_ id: String) -> ModelPullRecord? {
        tasks[id]?.cancel()
        return records[id]
    }

    /// The pull's states from now on: the current one first, then every change; it ends
    /// after the final state. Nil when unknown.
    func updates(_ id: String) -> AsyncStream<ModelPullRecord>? {
        guard let record = records[id] else { return nil }
        let (stream, continuation) = AsyncStream<ModelPullRecord>.makeStream(bufferingPolicy: .bufferingNewest(64))
        continuation.yield(record)
        if record.isFinished {
            continuation.finish()
        } else {
            let key = UUID()
            subscribers[id, default: [:]][key] = continuation
            continuation.onTermination = { _ in Task { await self.unsubscribe(id, key) } }
        }
        return stream
    }

    /// Cancels every running pull (server shutdown).
    func cancelAll() {
        for task in tasks.values { task.cancel() }
    }

    private func run(_ id: String) async {
        guard let record = records[id] else { return }
        let client = DownloadClient()
        let (progress, sink) = AsyncStream<PullProgress>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let outcome: Result<PullReport, any Error> = await withTaskGroup(of: Result<PullReport, any Error>?.self) { group in
            group.addTask {
                for await snapshot in progress { await self.update(id) { $0.progress = snapshot } }
                return nil
            }
            group.addTask {
                defer { sink.finish() }
                do {
                    let puller = try self.makePuller(client)
                    return .success(try await puller.pull(record.models, force: record.force) { sink.yield($0) })
                } catch {
                    return .failure(error)
                }
            }
            var result: Result<PullReport, any Error> = .failure(CancellationError())
            for await value in group { if let value { result = value } }
            return result
        }
        await client.shutdown()
        // The server knows the new models before anyone hears the pull is done.
        if case let .success(report) = outcome, !report.installed.isEmpty { await onInstalled(report.installed) }
        finish(id, outcome)
    }

    private func finish(_ id: String, _ outcome: Result<PullReport, any Error>) {
        update(id) { record in
            record.finishedAt = Date()
            switch outcome {
            case let .success(report):
                record.state = .succeeded
                record.report = report
            case let .failure(error):
                let cancelled = error is CancellationError || (error as? ModelPullError).map { $0.category == .cancelled } == true
                record.state = cancelled ? .cancelled : .failed
                record.problem = JobProblem(cancelled ? ModelPullError.cancelled(id: record.models.joined(separator: ", ")) : error)
            }
        }
        tasks[id] = nil
        subscribers.removeValue(forKey: id)?.values.forEach { $0.finish() }
        if let record = records[id] {
            logger.notice(
                "model pull \(record.state.rawValue)",
                metadata: [
                    "pull_id": "\(id)", "installed": "\(record.report.installed.joined(separator: ","))",
                    "problem": "\(record.problem?.code ?? "")",
                ])
        }
    }

    private func update(_ id: String, _ change: (inout ModelPullRecord) -> Void) {
        guard var record = records[id] else { return }
        change(&record)
        records[id] = record
        subscribers[id]?.values.forEach { $0.yield(record) }
    }

    private func unsubscribe(_ id: String, _ key: UUID) {
        subscribers[id]?[key] = nil
    }

    /// Drops finished pulls older than an hour, and the oldest beyond the last 50.
    private func forgetOld(now: Date = Date()) {
        let finished = records.values.filter(\.isFinished).sorted { ($0.finishedAt ?? now) > ($1.finishedAt ?? now) }
        for (index, record) in finished.enumerated()
        where index >= Self.keptFinished || now.timeIntervalSince(record.finishedAt ?? now) > Self.keptSeconds {
            records[record.id] = nil
        }
    }

    private static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }
}

extension ModelPullJobs {
    /// The pulls of a server with `configuration`: its catalogue, mirror and limits, into its
    /// models directory; installed models are picked up by `reloader` at once.
    init(configuration: ServerConfiguration, reloader: ModelReloader) {
        let (settings, engine) = (configuration.modelPull, configuration.engineSettings)
        self.init(
            catalogue: { try settings.catalogue(root: engine.projectRoot) },
            makePuller: { try settings.puller(engine: engine, client: $0) }, logger: reloader.logger,
            onInstalled: { _ in _ = await reloader.refresh(trigger: "model pull") })
    }
}
