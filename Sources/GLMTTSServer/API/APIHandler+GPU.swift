import Foundation
import GLMTTSAPI
import GLMTTSEngine
import OpenAPIRuntime

extension APIHandler {
    /// `GET /api/gpu/status`: the reference product's GPU report — devices as nvidia-smi
    /// sees them (none here means none, never zeros) and the models in memory.
    func getGPUStatus(_ input: Operations.GetGPUStatus.Input) async throws -> Operations.GetGPUStatus.Output {
        .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(await gpuReport())))
    }

    /// `POST /api/gpu/offload`: unloads every model (voices and recognizers, worker
    /// processes included); jobs in flight keep their instances until they end.
    func offloadModels(_ input: Operations.OffloadModels.Input) async throws -> Operations.OffloadModels.Output {
        let loaded = await dependencies.engines.loadedIDs() + dependencies.engines.loadedRecognizerIDs()
        var unloaded: [String] = []
        for id in Set(loaded).sorted() where await dependencies.engines.unload(id: id, reason: "offload") {
            unloaded.append(id)
        }
        dependencies.logger.notice(
            "models offloaded",
            metadata: [
                "unloaded": "\(unloaded.joined(separator: ","))",
                "by": "\(RequestInfo.current.principal.keyID ?? "open")",
            ])
        return .ok(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID),
                body: .json(.init(unloaded: unloaded, gpu: await gpuReport()))))
    }

    /// Devices and loaded models, now.
    private func gpuReport() async -> Components.Schemas.GPUReport {
        let (gpus, note) = SystemProbe.gpus()
        let loaded = await dependencies.engines.loadedIDs() + dependencies.engines.loadedRecognizerIDs()
        return Components.Schemas.GPUReport(
            available: !gpus.isEmpty,
            gpus: APIModels.gpus(gpus), gpuNote: note, modelsLoaded: Set(loaded).sorted())
    }
}
