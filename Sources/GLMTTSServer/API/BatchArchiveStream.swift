import Foundation
import GLMTTSEngine
import GLMTTSService

/// The ZIP archive of a batch's results, produced one file at a time as the client reads:
/// each `next` loads one job's audio and returns its ZIP entry, the last one the closing
/// directory, so memory stays flat however large the batch.
actor BatchArchiveStream {
    private var pending: ArraySlice<JobRecord>
    private var writer = ZipArchiveWriter()
    private var finished = false
    private let load: @Sendable (JobRecord) async throws -> (Data, OutputFormat)

    /// An archive of `jobs` (completed ones, in order), whose audio `load` reads.
    init(jobs: [JobRecord], load: @escaping @Sendable (JobRecord) async throws -> (Data, OutputFormat)) {
        self.pending = jobs[...]
        self.load = load
    }

    /// The next bytes of the archive; nil after the end.
    func next() async throws -> ArraySlice<UInt8>? {
        if let job = pending.popFirst() {
            let (data, format) = try await load(job)
            let name = String(format: "%03d", (job.batchIndex ?? 0) + 1) + ".\(format.fileExtension)"
            return ArraySlice(writer.entry(name: name, data: data, modified: job.finishedAt ?? Date()))
        }
        guard !finished else { return nil }
        finished = true
        return ArraySlice(writer.finish())
    }
}
