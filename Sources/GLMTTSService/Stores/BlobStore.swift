import Foundation

/// Where uploads, results and voice clips are kept: the local disk (`LocalBlobStore`, the
/// single-node default) or an S3-compatible bucket (`S3BlobStore`, shared by many nodes).
///
/// Writes are atomic (a reader sees the whole blob or none); a missing blob reads as nil.
/// A store that cannot be reached throws `StorageError` from `write`, `read` and
/// `checkAvailable`; removal and listing are best effort (the sweeper tries again).
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
    /// Succeeds when the store takes writes now (readiness check); throws `StorageError`.
    func checkAvailable() async throws
    /// Jobs that have blobs last written before `cutoff` (for sweeping files no job owns).
    func jobsWithBlobs(olderThan cutoff: Date) async -> Set<JobID>
}
