import Foundation

/// A private copy of a Piper voice's model and token files, taken when the voice loads.
///
/// Sessions of a loaded voice load lazily (a new noise setting, another parallel session), long
/// after the voice itself loaded. Reading the installed files then would load whatever is on disk
/// by that time — an edited or half-written model — into an instance that claims the revision it
/// loaded with. Sessions read this copy instead, so a loaded voice serves the files it was loaded
/// from until it is unloaded; the copy is removed when the last session is gone. A copy left by a
/// crash stays in the temporary folder until the system cleans it.
final class PiperModelSnapshot: Sendable {
    /// The copied model and token files.
    let model: URL
    let tokens: URL
    private let folder: URL

    /// Copies `model` and `tokens` of voice `voice` into a new folder of the temporary directory.
    init(voice: String, model: URL, tokens: URL) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-piper-\(UUID().uuidString)")
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

    deinit { try? FileManager.default.removeItem(at: folder) }
}
