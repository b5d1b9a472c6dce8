import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSModelPull
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// `GET /api/admin/models/catalog`: the catalogue with each entry's state, and every
    /// installed model.
    func getModelCatalog(_ input: Operations.GetModelCatalog.Input) async throws -> Operations.GetModelCatalog.Output {
        let settings = dependencies.configuration.modelPull
        let root = dependencies.configuration.projectRoot
        let catalogue = try settings.catalogue(root: root)
        let installed = dependencies.engines.catalogue.models
        let installedIDs = Set(installed.map(\.manifest.id))
        let loaded = Set(await dependencies.engines.loadedIDs() + dependencies.engines.loadedRecognizerIDs())
        let entries = catalogue.models.map { entry in
            Components.Schemas.CatalogEntry(
                id: entry.id, engine: entry.engine.rawValue, description: entry.description, languages: entry.languages,
                licence: entry.licence, canClone: entry.capabilities.canClone, streaming: entry.capabilities.streaming,
                device: entry.needs.device == "gpu" ? .gpu : .cpu, memoryMib: entry.needs.memoryMiB, diskMib: entry.needs.diskMiB,
                downloadBytes: entry.downloadBytes, checksum: entry.files.allSatisfy(\.hasPublisherDigest) ? .publisher : .firstDownload,
                state: installedIDs.contains(entry.id) ? .installed : entry.unavailable == nil ? .available : .unavailable,
                unavailableReason: entry.unavailable, loaded: loaded.contains(entry.id))
        }
        let listing = Components.Schemas.ModelCatalogListing(
            catalogue: settings.catalogueURL(root: root).lastPathComponent, models: entries,
            packs: catalogue.packs.map { .init(id: $0.id, description: $0.description, members: $0.members) },
            installed: installed.map { model in
                .init(
                    id: model.manifest.id, engine: model.manifest.engine.rawValue, languages: model.manifest.languages,
                    loaded: loaded.contains(model.manifest.id), pulled: model.manifest.digests != nil)
            })
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(listing)))
    }

    /// `POST /api/admin/models/pull`: starts (or joins) a pull; `202` with its URLs.
    func pullModels(_ input: Operations.PullModels.Input) async throws -> Operations.PullModels.Output {
        guard case let .json(body) = input.body else { throw HTTPProblem.unsupportedMediaType() }
        let models = body.models.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !models.isEmpty, models.count <= 100, models.allSatisfy(ModelManifest.isValidID) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'models' must list 1–100 catalogue ids (letters, digits, '.', '_', '-').",
                field: "models")
        }
        let record = try await pulls.start(models: models, force: body.force ?? false)
        dependencies.logger.notice(
            "model pull requested",
            metadata: ["pull_id": "\(record.id)", "by": "\(RequestInfo.current.principal.keyID ?? "open")"])
        return .accepted(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(Self.pull(record))))
    }

    /// `GET /api/admin/models/pulls/{pull_id}`.
    func getModelPull(_ input: Operations.GetModelPull.Input) async throws -> Operations.GetModelPull.Output {
        let record = try await pull(input.path.pullId)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(Self.pull(record))))
    }

    /// `DELETE /api/admin/models/pulls/{pull_id}`: asks the pull to stop.
    func cancelModelPull(_ input: Operations.CancelModelPull.Input) async throws -> Operations.CancelModelPull.Output {
        _ = try await pull(input.path.pullId)
        guard let record = await pulls.cancel(input.path.pullId) else { throw Self.unknownPull(input.path.pullId) }
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(Self.pull(record))))
    }

    /// `GET /api/admin/models/pulls/{pull_id}/events`: `progress` events, then `done`.
    func streamModelPull(_ input: Operations.StreamModelPull.Input) async throws -> Operations.StreamModelPull.Output {
        guard let updates = await pulls.updates(input.path.pullId) else { throw Self.unknownPull(input.path.pullId) }
        let info = RequestInfo.current
        let body = ServerSentEvents.pumped(keepAlive: dependencies.configuration.keepAliveSeconds) { send in
            var sequence = 0
            for await record in updates {
                sequence += 1
                let wire = RequestInfo.$current.withValue(info) { Self.pull(record) }
                await send(ServerSentEvents.message(id: sequence, event: record.isFinished ? "done" : "progress", data: wire))
            }
        }
        return .ok(.init(headers: .init(xRequestId: info.requestID), body: .textEventStream(body)))
    }

    /// `DELETE /api/admin/models/{model_id}`: unloads, removes, and re-reads the directory.
    func removeModel(_ input: Operations.RemoveModel.Input) async throws -> Operations.RemoveModel.Output {
        let id = input.path.modelId
        let store = dependencies.engines.store
        _ = try store.model(id: id)
        await dependencies.engines.unload(id: id)
        try ModelInstaller(store: store, cache: DownloadCache(models: store.directory)).remove(id: id)
        _ = await reloader.refresh(trigger: "model removed")
        dependencies.logger.notice("model removed", metadata: ["model": "\(id)", "by": "\(RequestInfo.current.principal.keyID ?? "open")"])
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(.init(id: id, removed: true))))
    }

    /// The pull `id`, or a `404` problem.
    private func pull(_ id: String) async throws -> ModelPullRecord {
        guard let record = await pulls.record(id) else { throw Self.unknownPull(id) }
        return record
    }

    private static func unknownPull(_ id: String) -> HTTPProblem {
        HTTPProblem(
            code: ProblemCode.modelPullNotFound, title: "Not found", status: 404,
            detail:
                "There is no model pull '\(id.prefix(64))'. Finished pulls are kept for an hour; start one with POST /api/admin/models/pull."
        )
    }

    /// A pull on the wire.
    static func pull(_ record: ModelPullRecord) -> Components.Schemas.ModelPull {
        let base = "/api/admin/models/pulls/\(record.id)"
        return Components.Schemas.ModelPull(
            id: record.id, models: record.models, state: .init(rawValue: record.state.rawValue) ?? .running,
            createdAt: record.createdAt, finishedAt: record.finishedAt,
            progress: record.progress.map { p in
                .init(
                    model: p.model, index: p.index, count: p.count, phase: .init(rawValue: p.phase.rawValue) ?? .downloading, file: p.file,
                    bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds)
            },
            installed: record.report.installed, skipped: record.report.skipped, bytesDownloaded: record.report.bytesDownloaded,
            error: record.problem.map(APIModels.problem), statusUrl: base, eventsUrl: base + "/events")
    }
}
