import Foundation

/// A private copy of a Piper voice's model and token files, taken when the voice loads.
///
/// Sessions of a loaded voice load lazily (a new noise setting, another parallel session), long
/// after the voice itself loaded. Reading the installed files then would load whatever is on disk
/// by that time — an edited or half-written model — into an instance that claims the revision it
/// loaded with. Sessions read this copy instead, so a loaded voice serves the files it was loaded
/// from until it is unloaded; the copy is removed when the last session is gone. Folders are named
/// `glmtts-piper-<pid>-<uuid>`; the first snapshot a process takes removes those of processes
/// that no longer run (a crash or `kill -9` leaves its copy behind).
///
/// A process that serves one request and exits (`glmtts synth`, `InferenceThreads.servesOneRequest`)
/// reads the installed files instead: its sessions load while that one request runs, and the
/// copy cost 66–80 ms of its 0.7 s (the default voice's 63 MB, docs/PERFORMANCE.md).
final class PiperModelSnapshot: Sendable {
    /// The name prefix of snapshot folders in the temporary directory.
    static let prefix = "glmtts-piper-"
    /// The copied model and token files.
    let model: URL
    let tokens: URL
    private let folder: URL?

    /// Copies `model` and `tokens` of voice `voice` into a new folder of the temporary directory;
    /// with `copying` false, names the installed files themselves.
    init(voice: String, model: URL, tokens: URL, copying: Bool = true) throws {
        guard copying else {
            self.model = model
            self.tokens = tokens
            folder = nil
            return
        }
        _ = Self.sweptLeftovers
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(Self.prefix)\(getpid())-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            self.model = folder.appendingPathComponent("model.onnx")
            self.tokens = folder.appendingPathComponent("tokens.txt")
            try FileManager.default.copyItem(at: model, to: self.model)
            try FileManager.default.copyItem(at: tokens, to: self.tokens)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw ModelError.loadFailed(
                model: voice, reason: "its files could not be copied for loading (is the temporary folder full or not writable?)")
        }
        self.folder = folder
    }

    deinit {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// Runs `removeLeftovers` once per process, before the first snapshot.
    private static let sweptLeftovers: Int = removeLeftovers(in: FileManager.default.temporaryDirectory)

    /// Removes the snapshot folders in `directory` whose process no longer runs; returns how
    /// many. Folders of running processes, and names that do not parse, are left alone.
    @discardableResult
    static func removeLeftovers(in directory: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix(while: { $0 != "-" })), pid > 0 else { continue }
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }  // running (or not ours to signal)
            if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }
}
