import Foundation
import GLMTTSEngine

/// The one owner of a synthesis job's audio: the lossless master (WAV) and the renditions
/// in other formats, encoded from the master once and kept.
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
    public func store(master: Data, audio: AudioBuffer, of id: JobID, as format: OutputFormat) async throws -> Int {
        try await blobs.write(master, to: .output(id, .wav))
        guard format != .wav else { return master.count }
        let encoded = try await Self.encoder.run { try AudioEncoder.encode(audio, as: format) }
        try await blobs.write(encoded, to: .output(id, format))
        return encoded.count
    }

    /// The job's audio in `format`: the kept rendition, else encoded from the master (and
    /// kept; a failure to keep it is not an error). Nil when the master is gone.
    public func audio(of id: JobID, as format: OutputFormat) async throws -> Data? {
        if let kept = try await blobs.read(.output(id, format)) { return kept }
        guard format != .wav, let master = try await blobs.read(.output(id, .wav)) else { return nil }
        let encoded = try await Self.encoder.run {
            try AudioEncoder.encode(try AudioDecoder.decode(master).audio, as: format)
        }
        try? await blobs.write(encoded, to: .output(id, format))
        return encoded
    }

    /// The job's master audio, decoded (for a stream whose job ran on another node, where
    /// no chunk reached this one). Nil when the master is gone.
    public func master(of id: JobID) async throws -> AudioBuffer? {
        guard let master = try await blobs.read(.output(id, .wav)) else { return nil }
        return try await Self.encoder.run { try AudioDecoder.decode(master).audio }
    }
}
