import Foundation

/// Where uploads, results and voice clips are kept: the local disk today
/// (`LocalBlobStore`), the seam for S3-compatible object storage.
///
/// Writes are atomic (a reader sees the whole blob or none); a missing blob reads as nil.
public protocol BlobStore: Sendable {
    /// Stores `data` under `key`, replacing what was there. Throws `StorageError` (disk full,
    /// read-only, other input/output failure).
    func write(_ data: Data, to key: BlobKey) async throws
    /// The blob under `key`, nil when there is none.
    func read(_ key: BlobKey) async throws -> Data?
    /// Deletes the blob under `key`; a missing one is fine.
    func remove(_ key: BlobKey) async
    /// Deletes every blob of job `id` (its upload and all its outputs).
    func removeBlobs(of id: JobID) async
    /// Jobs that have blobs last written before `cutoff` (for sweeping files no job owns).
    func jobsWithBlobs(olderThan cutoff: Date) async -> Set<JobID>
}
