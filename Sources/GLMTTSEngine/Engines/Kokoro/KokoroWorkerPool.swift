import Foundation

/// The Kokoro worker processes of one registry: one per model file, shared by every voice
/// of that file (a process holds the ONNX session and the front-end dictionaries, about
/// 300 MB; five voices must not cost five of them).
///
/// Workers are keyed by the model file's identity (device and inode), so the voices that
/// `scripts/prepare-models` installs as hard links of one file share a process, and a copy
/// gets its own. A worker is stopped when the last voice using it is released.
actor KokoroWorkerPool {
    private var workers: [String: (supervisor: WorkerSupervisor, users: Set<String>)] = [:]

    /// The worker for `model`'s files, started on first use; `model` is counted as a user.
    func worker(
        for model: InstalledModel, make: () throws -> WorkerConfiguration,
        log: @escaping @Sendable (String) -> Void, events: @escaping EngineEventSink
    ) throws -> WorkerSupervisor {
        let key = try Self.key(for: model)
        if var entry = workers[key] {
            entry.users.insert(model.manifest.id)
            workers[key] = entry
            return entry.supervisor
        }
        let supervisor = WorkerSupervisor(configuration: try make(), log: log, events: events)
        workers[key] = (supervisor, [model.manifest.id])
        return supervisor
    }

    /// Forgets voice `id`; stops any worker left without users.
    func release(_ id: String) async {
        for (key, entry) in workers where entry.users.contains(id) {
            var users = entry.users
            users.remove(id)
            if users.isEmpty {
                workers[key] = nil
                await entry.supervisor.shutdown()
            } else {
                workers[key] = (entry.supervisor, users)
            }
        }
    }

    /// Stops every worker.
    func releaseAll() async {
        let all = workers.values.map(\.supervisor)
        workers.removeAll()
        for supervisor in all { await supervisor.shutdown() }
    }

    /// Identity of the model file: device and inode, so hard links share a worker.
    static func key(for model: InstalledModel) throws -> String {
        let path = try model.fileURL("model").path
        var info = stat()
        guard stat(path, &info) == 0 else { return path }
        return "\(info.st_dev):\(info.st_ino)"
    }
}
