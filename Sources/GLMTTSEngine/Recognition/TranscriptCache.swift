import Foundation

/// Where reference transcripts are kept on disk, and in what form: one JSON `Transcript` per
/// clip content and recognizer, `<recognizer>[+<identifier>]-<sha256>.json`, in one folder.
///
/// The server and the CLI share one location, `<data>/service/transcripts`
/// (`init(data:)`); tests and callers without a data directory keep transcripts in memory
/// only (`memoryOnly`). `ReferenceTranscriber` reads and writes through it.
public struct TranscriptCache: Sendable, Equatable {
    /// The folder, or nil to keep nothing on disk.
    public let directory: URL?

    /// A cache in `directory` (created on the first write); nil keeps nothing on disk.
    public init(directory: URL?) {
        self.directory = directory
    }

    /// The one location in data directory `data`: `<data>/service/transcripts`.
    public init(data: DataDirectory) {
        self.init(
            directory: data.root.appendingPathComponent("service", isDirectory: true)
                .appendingPathComponent("transcripts", isDirectory: true))
    }

    /// A cache that keeps nothing on disk.
    public static let memoryOnly = TranscriptCache(directory: nil)

    /// The transcript stored for clip `key` by `recognizers` (the recognizer's id, and
    /// `+<identifier id>` when a language identifier chose it), if any and readable.
    func read(_ key: String, recognizers: String) -> Transcript? {
        guard let url = url(key, recognizers: recognizers), let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Transcript.self, from: data)
    }

    /// Stores `transcript` for clip `key` by `recognizers`; a failure to write is ignored
    /// (the cache is an optimisation).
    func write(_ transcript: Transcript, for key: String, recognizers: String) {
        guard let url = url(key, recognizers: recognizers), let data = try? JSONEncoder().encode(transcript) else { return }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: url, options: .atomic)
    }

    private func url(_ key: String, recognizers: String) -> URL? {
        directory?.appendingPathComponent("\(recognizers)-\(key).json")
    }
}
