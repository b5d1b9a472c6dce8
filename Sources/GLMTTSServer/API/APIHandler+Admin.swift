import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// `GET /api/system`: version, uptime, loaded engines, queue, memory, CPU and GPUs.
    func getSystem(_ input: Operations.GetSystem.Input) async throws -> Operations.GetSystem.Output {
        let memory = SystemProbe.systemMemory()
        let (gpus, note) = SystemProbe.gpus()
        let status = Components.Schemas.SystemStatus(
            version: SystemProbe.version, startedAt: dependencies.startedAt,
            uptimeSeconds: Date().timeIntervalSince(dependencies.startedAt),
            authMode: dependencies.configuration.requiresKeys ? .keys : .open,
            enginesLoaded: await dependencies.engines.loadedIDs(), recognizersLoaded: await dependencies.engines.loadedRecognizerIDs(),
            queue: .init(queued: (try? await dependencies.jobs.queuedCount()) ?? 0, running: await dependencies.queue.runningCount()),
            memory: .init(
                processResidentBytes: Int64(SystemProbe.residentBytes()), systemTotalBytes: memory.total,
                systemAvailableBytes: memory.available),
            cpuCores: ProcessInfo.processInfo.activeProcessorCount, loadAverage: SystemProbe.loadAverage(),
            gpus: APIModels.gpus(gpus), gpuNote: note)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(status)))
    }

    /// `GET /metrics`: Prometheus text format.
    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        let loaded = await dependencies.engines.loadedIDs().count + dependencies.engines.loadedRecognizerIDs().count
        let state = ServiceMetrics.State(
            queued: (try? await dependencies.jobs.queuedCount()) ?? 0, running: await dependencies.queue.runningCount(),
            modelsLoaded: loaded, residentBytes: SystemProbe.residentBytes(),
            uptimeSeconds: Date().timeIntervalSince(dependencies.startedAt),
            progressSubscribers: await dependencies.progress.subscriberCount(),
            audioListeners: await dependencies.progress.audioListenerCount(),
            openStreams: dependencies.streams.total, readersCutOff: await dependencies.progress.cutOffCount,
            rescuedRuns: await dependencies.scheduler.rescuedRuns,
            storeListening: dependencies.jobs.isShared ? await dependencies.scheduler.isListening : nil,
            notificationQueueUsage: try? await (dependencies.jobs as? PostgresJobStore)?.notificationQueueUsage())
        return .ok(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID),
                body: .plainText(HTTPBody(dependencies.metrics.exposition(state: state)))))
    }

    /// `GET /api/admin/keys`.
    func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let day = QuotaDay.of(Date())
        var keys: [Components.Schemas.APIKey] = []
        for key in try await dependencies.keys.all() {
            keys.append(Self.apiKey(key, usedToday: try await dependencies.keys.usage(id: key.id, day: day)))
        }
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(.init(keys: keys))))
    }

    /// `POST /api/admin/keys`: the secret is in this answer only.
    func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        guard case let .json(body) = input.body else { throw HTTPProblem.unsupportedMediaType() }
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'name' must be 1–100 characters without control characters.", field: "name")
        }
        let scopes = body.scopes.compactMap { APIKeyScope(rawValue: $0.rawValue) }
        guard !scopes.isEmpty else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'scopes' must name at least one of admin, synthesize, read.", field: "scopes")
        }
        if let rate = body.rateLimitPerMinute, !(0...1_000_000).contains(rate) {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'rate_limit_per_minute' must be 0…1000000.", field: "rate_limit_per_minute")
        }
        if let quota = body.quotaCharsPerDay, !(0...1_000_000_000_000).contains(quota) {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'quota_chars_per_day' must be 0…10^12.", field: "quota_chars_per_day")
        }
        let (record, token) = try await dependencies.keys.create(
            name: name, scopes: scopes, rateLimitPerMinute: body.rateLimitPerMinute,
            quotaCharactersPerDay: body.quotaCharsPerDay.map { Int($0) })
        dependencies.logger.notice(
            "API key created",
            metadata: [
                "key_id": "\(record.id)", "scopes": "\(scopes.map(\.rawValue).joined(separator: ","))",
                "by": "\(RequestInfo.current.principal.keyID ?? "open")",
            ])
        return .created(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID),
                body: .json(.init(value1: Self.apiKey(record, usedToday: 0), value2: .init(key: token.text)))))
    }

    /// `DELETE /api/admin/keys/{id}`.
    func revokeAPIKey(_ input: Operations.RevokeAPIKey.Input) async throws -> Operations.RevokeAPIKey.Output {
        guard let record = try await dependencies.keys.revoke(id: input.path.keyId) else {
            throw HTTPProblem.notFound("There is no API key '\(input.path.keyId.prefix(64))'; list them with GET /api/admin/keys.")
        }
        dependencies.logger.notice(
            "API key revoked", metadata: ["key_id": "\(record.id)", "by": "\(RequestInfo.current.principal.keyID ?? "open")"])
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(Self.apiKey(record, usedToday: nil))))
    }

    /// `POST /api/admin/models/reload`: what SIGHUP does.
    func reloadAllModels(_ input: Operations.ReloadAllModels.Input) async throws -> Operations.ReloadAllModels.Output {
        let report = await reloader.refresh(trigger: "admin API")
        return .ok(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID),
                body: .json(
                    .init(
                        reloaded: report.reloaded, unchanged: report.unchanged, unloaded: report.unloaded,
                        failed: report.failed.map { .init(id: $0.id, detail: $0.detail) }))))
    }

    /// `POST /api/admin/models/{id}/{load|unload|reload}`.
    func changeModel(_ input: Operations.ChangeModel.Input) async throws -> Operations.ChangeModel.Output {
        let id = input.path.modelId
        let state: ModelLoadState
        do {
            switch input.path.action {
            case .load: state = try await dependencies.engines.load(id: id)
            case .unload:
                await dependencies.engines.unload(id: id)
                state = try await dependencies.engines.state(of: id)
            case .reload: state = try await dependencies.engines.reload(id: id)
            }
        } catch let error as any GLMTTSError {
            if let missing = error as? ModelError, case .notFound = missing { throw HTTPProblem.from(missing) }
            throw HTTPProblem(
                code: ProblemCode.modelLoadFailed, title: "Model not loaded", status: 422,
                detail: "Model '\(id.prefix(100))' could not be loaded; the instance loaded before (if any) keeps serving. \(error.message)"
            )
        }
        return .ok(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID),
                body: .json(
                    .init(
                        id: state.id, engine: state.engine.rawValue, loaded: state.loaded, revision: state.revision,
                        loadedAt: state.loadedAt, loadSeconds: state.loadSeconds))))
    }

    /// The API document of `key` (never its secret).
    static func apiKey(_ key: APIKeyRecord, usedToday: Int?) -> Components.Schemas.APIKey {
        Components.Schemas.APIKey(
            id: key.id, name: key.name, scopes: key.scopes.compactMap { Components.Schemas.APIKeyScope(rawValue: $0.rawValue) },
            createdAt: key.createdAt, revokedAt: key.revokedAt, lastUsedAt: key.lastUsedAt,
            rateLimitPerMinute: key.rateLimitPerMinute, quotaCharsPerDay: key.quotaCharactersPerDay.map { Int64($0) },
            charsUsedToday: usedToday.map { Int64($0) })
    }
}
