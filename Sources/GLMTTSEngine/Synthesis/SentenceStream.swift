/// The sentence-by-sentence loop shared by engines that synthesise one chunk at a time.
///
/// `make` builds a whole stream around it (Piper, espeak-ng); `run` is the loop alone, for
/// engines whose stream does more around it (ZipVoice). With a `window` above 1, up to that
/// many chunks are produced at once (an engine with several sessions runs them in parallel);
/// chunks and progress are still yielded in the text's order.
public enum SentenceStream {
    /// A stream that validates the parameters, splits the text into chunks, runs `produce`
    /// on each (nil means cancelled), and ends with `.finished`. `report` is built only
    /// after validation.
    public static func make(
        engine: String, request: SynthesisRequest, sampleRate: Int, report: @escaping @Sendable () -> ParameterReport,
        produce: @escaping @Sendable (_ chunk: SentenceChunk, _ flag: CancellationFlag) async throws -> AudioBuffer?
    ) -> AsyncThrowingStream<SynthesisEvent, Error> {
        SynthesisStream.make { continuation, flag in
            let chunks = SentenceSplitter.split(request.text, maxChunkCharacters: TextLimits.default.maxChunkCharacters)
            let produced = try await run(chunks: chunks, engine: engine, continuation: continuation, flag: flag, produce: produce)
            continuation.yield(
                .finished(
                    SynthesisSummary(
                        parameterReport: report(), sampleRate: sampleRate, cloned: false, chunkCount: produced)))
        }
    }

    /// Runs `produce` on each chunk, at most `window` at a time, yielding every non-empty
    /// result as a chunk, in the text's order, with progress after each; returns how many
    /// chunks were yielded. Throws `CancellationError` when cancelled and
    /// `EngineError.nothingToSpeak` when no chunk produced audio.
    public static func run(
        chunks: [String], engine: String, window: Int = 1, continuation: AsyncThrowingStream<SynthesisEvent, Error>.Continuation,
        flag: CancellationFlag,
        produce: @escaping @Sendable (_ chunk: SentenceChunk, _ flag: CancellationFlag) async throws -> AudioBuffer?
    ) async throws -> Int {
        guard !chunks.isEmpty else { throw EngineError.nothingToSpeak(engine: engine) }
        continuation.yield(
            .progress(
                SynthesisProgress(
                    stage: .synthesizing, fraction: 0, detail: "0 of \(chunks.count) sentences",
                    sentence: 0, sentenceCount: chunks.count)))
        var produced = 0
        let inFlight = max(1, min(window, chunks.count))
        try await withThrowingTaskGroup(of: (Int, AudioBuffer?).self) { group in
            var next = 0
            func start() {
                let chunk = SentenceChunk(text: chunks[next], index: next, count: chunks.count)
                group.addTask { (chunk.index, try await produce(chunk, flag)) }
                next += 1
            }
            while next < inFlight { start() }
            var finished: [Int: AudioBuffer] = [:]
            var emitted = 0
            while let (index, result) = try await group.next() {
                try Task.checkCancellation()
                guard let result, !flag.isCancelled else { throw CancellationError() }
                finished[index] = result
                while let audio = finished.removeValue(forKey: emitted) {
                    if !audio.samples.isEmpty {
                        continuation.yield(.chunk(index: produced, audio: audio, text: chunks[emitted]))
                        produced += 1
                    }
                    emitted += 1
                    continuation.yield(
                        .progress(
                            SynthesisProgress(
                                stage: .synthesizing, fraction: Double(emitted) / Double(chunks.count),
                                detail: "\(emitted) of \(chunks.count) sentences", sentence: emitted, sentenceCount: chunks.count)))
                    if next < chunks.count { start() }
                }
            }
        }
        guard produced > 0 else { throw EngineError.nothingToSpeak(engine: engine) }
        return produced
    }
}
