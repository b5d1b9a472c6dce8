import Foundation

/// Finds the installation folder that holds `workers/` and the Python venv `.venv/`.
///
/// Order: the configured root (setting `GLMTTS_ROOT`); else the first ancestor of the running executable (e.g.
/// `.build/release/glmtts`) that contains `workers/whisper_worker.py`; else the current
/// directory.
public enum ProjectRoot {
    /// The marker file that identifies the root.
    static let marker = "workers/whisper_worker.py"

    /// The root folder (see the type's documentation).
    public static func locate(configured: String? = nil) -> URL {
        if let configured, !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        let fm = FileManager.default
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        while folder.pathComponents.count > 1 {
            if fm.fileExists(atPath: folder.appendingPathComponent(marker).path) { return folder }
            folder.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: fm.currentDirectoryPath, isDirectory: true)
    }
}
