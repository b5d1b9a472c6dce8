import Foundation
import GLMTTSEngine

/// The caption words of finished synthesis jobs: made on first request from the job's
/// master audio and sentence spans (`CaptionAligner`), then kept beside the audio
/// (`BlobKey.captions`) and removed with it. Concurrent requests for one job share one
/// alignment, which finishes (and is kept) even when the request that started it goes away.
public actor JobCaptions {
    private let blobs: any BlobStore
    private let aligner: CaptionAligner
    private let made: @Sendable (Captions) -> Void
    private var making: [JobID: Task<Captions?, Error>] = [:]

    /// Captions kept in `blobs`, timed with `registry`'s recognizers; `made` hears of each
    /// one made (for metrics), not of those read back.
    public init(blobs: any BlobStore, registry: EngineRegistry, made: @escaping @Sendable (Captions) -> Void = { _ in }) {
        self.blobs = blobs
        self.made = made
        aligner = CaptionAligner(registry: registry)
    }

    /// Keeps `captions` as those of `job`'s run (what `captions(of:text:result:)` reads back).
    public static func keep(_ captions: Captions, of job: JobRecord, in blobs: any BlobStore) async throws {
        try await blobs.write(try JSONEncoder().encode(captions), to: .captions(job.id, lease: job.leaseToken))
    }

    /// The captions of `job`, which said `text` and finished with `result`; nil when its
    /// audio is no longer stored.
    public func captions(of job: JobRecord, text: String, result: SynthesisJobResult) async throws -> Captions? {
        let id = job.id
        if let kept = try await blobs.read(.captions(id, lease: job.leaseToken)),
            let captions = try? JSONDecoder().decode(Captions.self, from: kept)
        {
            return captions
        }
        if let running = making[id] { return try await running.value }
        let task = Task { [blobs, aligner, made] () throws -> Captions? in
            guard let master = try await blobs.read(.output(id, .wav, lease: job.leaseToken)) else { return nil }
            // Our own master, whatever its length: the upload limits are not for it.
            let limits = AudioLimits(maxBytes: master.count, maxDuration: 86_400)
            let audio = try AudioDecoder.decode(master, limits: limits).audio
            let sentences = result.sentences ?? [SpokenSentence(text: text, start: 0, end: audio.duration)]
            let captions = try await aligner.captions(of: audio, sentences: sentences, language: result.languages?.first)
            made(captions)
            try await Self.keep(captions, of: job, in: blobs)
            return captions
        }
        making[id] = task
        defer { making[id] = nil }
        return try await task.value
    }
}
