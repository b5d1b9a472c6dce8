import Foundation
import GLMTTSEngine

/// Where a job's files live under the data directory. Every name is built from a
/// validated random id, never from anything a client sent.
///
/// - `uploads/<job id>.clip`: the uploaded reference clip or audio to transcribe.
/// - `outputs/<job id>.wav`: the result, lossless, from which other formats are encoded.
/// - `outputs/<job id>.<format>`: the result in the format the client asked for.
/// - `voices/<voice id>.wav`: a saved voice's prepared reference clip.
public struct JobFiles: Sendable {
    /// Root of the data directory.
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// Folder of uploads.
    public var uploads: URL { root.appendingPathComponent("uploads", isDirectory: true) }
    /// Folder of results.
    public var outputs: URL { root.appendingPathComponent("outputs", isDirectory: true) }
    /// Folder of saved voices.
    public var voices: URL { root.appendingPathComponent("voices", isDirectory: true) }

    /// The uploaded clip of a job.
    public func upload(for id: JobID) -> URL { uploads.appendingPathComponent("\(id.rawValue).clip") }

    /// A job's result in `format`.
    public func output(for id: JobID, format: OutputFormat) -> URL {
        outputs.appendingPathComponent("\(id.rawValue).\(format.rawValue)")
    }

    /// A saved voice's clip; nil when `voiceID` is not a valid voice id.
    public func voiceClip(for voiceID: String) -> URL? {
        guard VoiceRecord.isValidID(voiceID) else { return nil }
        return voices.appendingPathComponent("\(voiceID).wav")
    }

    /// Creates the folders (owner-only permissions).
    public func createFolders() throws {
        for folder in [uploads, outputs, voices] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
    }

    /// Writes `data` atomically (temp file + rename), owner-only permissions. Throws
    /// `StorageError` (disk full, read-only, other input/output failure).
    public func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: [.atomic])
        } catch {
            throw StorageError.classify(error, folder: url.deletingLastPathComponent())
        }
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Jobs that have files in `uploads/` or `outputs/` last changed before `cutoff` (by the
    /// id in the file name; names that are not a job id's are left alone).
    public func jobsWithFiles(olderThan cutoff: Date) -> Set<JobID> {
        var ids = Set<JobID>()
        let manager = FileManager.default
        for folder in [uploads, outputs] {
            let names = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names {
                guard let stem = name.split(separator: ".").first, let id = JobID(String(stem)) else { continue }
                let modified = (try? manager.attributesOfItem(atPath: folder.appendingPathComponent(name).path))?[.modificationDate] as? Date
                if let modified, modified < cutoff { ids.insert(id) }
            }
        }
        return ids
    }

    /// Deletes every file of a job (upload and outputs); missing files are fine.
    public func removeFiles(of id: JobID) {
        let manager = FileManager.default
        try? manager.removeItem(at: upload(for: id))
        for format in OutputFormat.allCases {
            try? manager.removeItem(at: output(for: id, format: format))
        }
    }
}
