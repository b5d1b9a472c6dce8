import Foundation
import GLMTTSEngine

/// The one owner of a synthesis job's audio: the lossless master (WAV) and the renditions
/// in other formats, encoded from the master once and kept. They are keyed by the job and the
/// lease of the run that made them (`BlobKey.output`): a job is read through its record,
/// whose lease token is the completing run's.
public struct JobOutputs: Sendable {
    private let blobs: any BlobStore
    /// Encodes off the cooperative thread pool.
    private static let encoder = BlockingExecutor(label: "job-outputs-encoder")

    /// Outputs kept in `blobs`.
    public init(blobs: any BlobStore) {
        self.blobs = blobs
    }

    /// Stores a finished job's master WAV and, when `format` is another, its rendition
    /// encoded from `audio`. Returns the byte count of the audio in `format`.
    public func store(master: Data, audio: AudioBuffer, of job: JobRecord, as format: OutputFormat) async throws -> Int {
        try await blobs.write(master, to: .output(job.id, .wav, lease: job.leaseToken))
        guard format != .wav else { return master.count }
        let encoded = try await Self.encoder.run { try AudioEncoder.encode(audio, as: format) }
        try await blobs.write(encoded, to: .output(job.id, format, lease: job.leaseToken))
        return encoded.count
    }

    /// The job's audio in `format`: the kept rendition, else encoded from the master (and
    /// kept; a failure to keep it is not an error). Nil when the master is gone.
    public func audio(of job: JobRecord, as format: OutputFormat) async throws -> Data? {
        if let kept = try await blobs.read(.output(job.id, format, lease: job.leaseToken)) { return kept }
        guard format != .wav, let master = try await blobs.read(.output(job.id, .wav, lease: job.leaseToken)) else { return nil }
        let encoded = try await Self.encoder.run {
            try AudioEncoder.encode(try AudioDecoder.decode(master).audio, as: format)
        }
        try? await blobs.write(encoded, to: .output(job.id, format, lease: job.leaseToken))
        return encoded
    }

    /// The job's master audio, decoded (for a stream whose job ran on another node, where
    /// no chunk reached this one). Nil when the master is gone.
    public func master(of job: JobRecord) async throws -> AudioBuffer? {
        guard let master = try await blobs.read(.output(job.id, .wav, lease: job.leaseToken)) else { return nil }
        return try await Self.encoder.run { try AudioDecoder.decode(master).audio }
    }
}
