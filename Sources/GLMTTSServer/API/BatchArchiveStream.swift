import Foundation
import GLMTTSEngine
import GLMTTSService

/// The ZIP archive of a batch's results, produced one job at a time as the client reads:
/// each `next` loads one job's files and returns their ZIP entries, the last one the
/// closing directory, so memory stays flat however large the batch.
actor BatchArchiveStream {
    private var pending: ArraySlice<JobRecord>
    private var writer = ZipArchiveWriter()
    private var finished = false
    private let load: @Sendable (JobRecord) async throws -> [(fileExtension: String, data: Data)]

    /// An archive of `jobs` (completed ones, in order), whose files `load` reads: the audio,
    /// and the captions when asked for; each is named after the job's batch index.
    init(jobs: [JobRecord], load: @escaping @Sendable (JobRecord) async throws -> [(fileExtension: String, data: Data)]) {
        self.pending = jobs[...]
        self.load = load
    }

    /// The next bytes of the archive (one job's files); nil after the end.
    func next() async throws -> ArraySlice<UInt8>? {
        if let job = pending.popFirst() {
            let stem = String(format: "%03d", (job.batchIndex ?? 0) + 1)
            var bytes: [UInt8] = []
            for file in try await load(job) {
                bytes += writer.entry(name: "\(stem).\(file.fileExtension)", data: file.data, modified: job.finishedAt ?? Date())
            }
            return ArraySlice(bytes)
        }
        guard !finished else { return nil }
        finished = true
        return ArraySlice(writer.finish())
    }
}
