import Foundation
import GLMTTSEngine

/// Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, Ceph, Garage…), so
/// that every API node and worker sees the same files. Keys are `BlobKey.relativePath` under
/// the location's prefix — the same layout as `LocalBlobStore` — built only from validated
/// ids and our own format names. A PUT is atomic in S3: readers see the whole object or none.
///
/// A store that cannot be reached makes `write`, `read` and `checkAvailable` throw
/// `StorageError.objectStoreUnavailable` (503 to clients, a retry for jobs); `remove`,
/// `removeBlobs` and `jobsWithBlobs` are best effort (the retention sweeper comes again).
public struct S3BlobStore: BlobStore {
    /// The signed client of the bucket.
    public let client: S3Client

    public init(client: S3Client) {
        self.client = client
    }

    public func write(_ data: Data, to key: BlobKey) async throws {
        guard let path = key.relativePath else { throw StorageError.failed(folder: "voices") }  // not a voice id: never ours
        do { try await client.put(data, key: path) } catch { throw unavailable(error) }
    }

    public func read(_ key: BlobKey) async throws -> Data? {
        guard let path = key.relativePath else { return nil }
        do { return try await client.get(key: path) } catch { throw unavailable(error) }
    }

    public func remove(_ key: BlobKey) async {
        guard let path = key.relativePath else { return }
        try? await client.delete(key: path)
    }

    /// Deletes the upload and every `outputs/<id>.*` object (listed, so formats encoded on
    /// demand go too).
    public func removeBlobs(of id: JobID) async {
        await remove(.upload(id))
        let outputs = (try? await client.list(prefix: "outputs/\(id.rawValue).")) ?? []
        for object in outputs { try? await client.delete(key: object.key) }
    }

    public func checkAvailable() async throws {
        do { try await client.probeReadAndWrite() } catch { throw unavailable(error) }
    }

    /// Jobs with objects in `uploads/` or `outputs/` last written before `cutoff`; empty when
    /// the bucket cannot be listed now.
    public func jobsWithBlobs(olderThan cutoff: Date) async -> Set<JobID> {
        var ids = Set<JobID>()
        for folder in ["uploads/", "outputs/"] {
            for object in (try? await client.list(prefix: folder)) ?? [] {
                guard let modified = object.lastModified, modified < cutoff, let id = BlobKey.jobID(ofPath: object.key[...]) else {
                    continue
                }
                ids.insert(id)
            }
        }
        return ids
    }

    private func unavailable(_ error: S3Error) -> StorageError {
        StorageError.objectStore(error, bucket: client.location.bucket)
    }
}
