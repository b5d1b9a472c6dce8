import Foundation
import GLMTTSEngine

/// Why a catalogue read, a download, an unpack, an install or a verification failed. Every
/// case says what went wrong and what to do; none leaves a half-installed model behind.
public enum ModelPullError: GLMTTSError, Equatable {
    /// No catalogue entry or pack has this id.
    case notInCatalogue(id: String, suggestions: [String])
    /// The catalogue file cannot be read or breaks its rules.
    case catalogueInvalid(path: String, reason: String)
    /// The server (publisher or mirror) could not be reached or broke off.
    case downloadFailed(url: String, reason: String)
    /// The server answered with an HTTP error status.
    case httpStatus(url: String, status: Int)
    /// A file's size or digest differs from what the catalogue (or the first download) says.
    case checksumMismatch(file: String, what: String, expected: String, actual: String)
    /// Not enough free space in the models directory's file system.
    case diskFull(path: String, neededBytes: Int64, freeBytes: Int64)
    /// An archive entry is unsafe; nothing of the archive was installed.
    case archiveRefused(archive: String, entry: String, reason: String)
    /// An archive cannot be decompressed or is not a tar archive.
    case archiveCorrupt(archive: String, reason: String)
    /// The model is installed already (pass `force` to replace it).
    case alreadyInstalled(id: String)
    /// The pull was cancelled; nothing was installed.
    case cancelled(id: String)
    /// An installed file differs from its manifest's digest, or is missing.
    case verifyFailed(id: String, file: String, reason: String)
    /// A `--from` source does not hold a file the entry needs.
    case sourceMissing(id: String, file: String, searched: String)
    /// The entry is listed but cannot be installed here, for this reason.
    case unavailable(id: String, reason: String)

    public var code: String {
        switch self {
        case .notInCatalogue: return ProblemCode.modelNotInCatalogue
        case .catalogueInvalid: return ProblemCode.modelCatalogueInvalid
        case .downloadFailed, .httpStatus, .sourceMissing: return ProblemCode.modelDownloadFailed
        case .unavailable: return ProblemCode.modelNotInCatalogue
        case .checksumMismatch: return ProblemCode.modelChecksumMismatch
        case .diskFull: return ProblemCode.modelDiskFull
        case .archiveRefused: return ProblemCode.modelArchiveRefused
        case .archiveCorrupt: return ProblemCode.modelArchiveCorrupt
        case .alreadyInstalled: return ProblemCode.modelAlreadyInstalled
        case .cancelled: return ProblemCode.modelPullCancelled
        case .verifyFailed: return ProblemCode.modelVerifyFailed
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .notInCatalogue: return .notFound
        case .alreadyInstalled, .sourceMissing, .unavailable: return .invalidInput
        case .cancelled: return .cancelled
        case .catalogueInvalid, .downloadFailed, .httpStatus, .checksumMismatch, .diskFull, .archiveRefused,
            .archiveCorrupt, .verifyFailed:
            return .unavailable
        }
    }

    public var message: String {
        switch self {
        case let .notInCatalogue(id, suggestions):
            let hint = suggestions.isEmpty ? "" : " Did you mean: \(suggestions.prefix(5).joined(separator: ", "))?"
            return "No published model or pack is called '\(id.prefix(100))'.\(hint) See `glmtts models catalog`."
        case let .catalogueInvalid(path, reason):
            return "The model catalogue \(path) is invalid: \(reason)."
        case let .downloadFailed(url, reason):
            return
                "Downloading \(url) failed: \(reason). Run the pull again to resume; set GLMTTS_MODEL_MIRROR to use a mirror, or install from a downloaded copy with --from."
        case let .httpStatus(url, status):
            let hint =
                status == 404
                ? "the file is not there (the publisher moved it, or the mirror lacks it)"
                : status == 401 || status == 403 ? "access was refused" : "the server failed"
            return "Downloading \(url) failed with HTTP \(status): \(hint). Nothing was installed."
        case let .checksumMismatch(file, what, expected, actual):
            return
                "\(file) is damaged or not the published file: its \(what) is \(actual), the catalogue expects \(expected). The download was deleted and nothing was installed; pull again, or check your mirror."
        case let .diskFull(path, needed, free):
            return
                "Not enough free space in \(path): the pull needs \(Self.size(needed)), \(Self.size(free)) are free. Free some space or point GLMTTS_MODELS_DIR at a larger disk; nothing was installed."
        case let .archiveRefused(archive, entry, reason):
            return
                "Refused to unpack \(archive): its entry '\(entry.prefix(200))' \(reason). Nothing was installed; the archive is not a safe model pack."
        case let .archiveCorrupt(archive, reason):
            return "\(archive) cannot be unpacked: \(reason). Nothing was installed; delete it and pull again."
        case let .alreadyInstalled(id):
            return "Model '\(id)' is installed already. Pass --force (\"force\": true) to download and replace it."
        case let .cancelled(id):
            return "The pull of '\(id)' was cancelled; nothing was installed. Pulling again resumes the download."
        case let .verifyFailed(id, file, reason):
            return "Model '\(id)': \(file) \(reason). Pull it again with --force to repair it."
        case let .unavailable(id, reason):
            return "'\(id)' is listed in the catalogue but cannot be installed: \(reason)."
        case let .sourceMissing(id, file, searched):
            return
                "Cannot install '\(id)' from \(searched): it holds no \(file). Give the downloaded file itself or the folder holding it."
        }
    }

    /// `bytes` for people: `1.5 GB`, `230 MB`, `12 kB`.
    public static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(max(bytes, 0))
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }
}
