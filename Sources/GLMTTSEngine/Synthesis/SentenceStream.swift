/// The sentence-by-sentence loop shared by engines that synthesise one chunk at a time.
///
/// `make` builds a whole stream around it (Piper, espeak-ng); `run` is the loop alone, for
/// engines whose stream does more around it (ZipVoice).
public enum SentenceStream {
    /// A stream that validates the parameters, splits the text into chunks, runs `produce`
    /// on each (nil means cancelled), and ends with `.finished`. `report` is built only
    /// after validation.
    public static func make(
        engine: String, request: SynthesisRequest, sampleRate: Int, report: @escaping @Sendable () -> ParameterReport,
        produce: @escaping @Sendable (_ chunk: String, _ isLast: Bool, _ flag: CancellationFlag) async throws -> AudioBuffer?
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

    /// Runs `produce` on each chunk in order, yielding every non-empty result as a chunk
    /// with progress after each; returns how many chunks were yielded. Throws
    /// `CancellationError` when cancelled and `EngineError.nothingToSpeak` when no chunk
    /// produced audio.
    public static func run(
        chunks: [String], engine: String, continuation: AsyncThrowingStream<SynthesisEvent, Error>.Continuation,
        flag: CancellationFlag,
        produce: (_ chunk: String, _ isLast: Bool, _ flag: CancellationFlag) async throws -> AudioBuffer?
    ) async throws -> Int {
        guard !chunks.isEmpty else { throw EngineError.nothingToSpeak(engine: engine) }
        continuation.yield(
            .progress(
                SynthesisProgress(
                    stage: .synthesizing, fraction: 0, detail: "0 of \(chunks.count) sentences",
                    sentence: 0, sentenceCount: chunks.count)))
        var produced = 0
        for (index, chunk) in chunks.enumerated() {
            try Task.checkCancellation()
            if flag.isCancelled { throw CancellationError() }
            guard let audio = try await produce(chunk, index == chunks.count - 1, flag) else { throw CancellationError() }
            if !audio.samples.isEmpty {
                continuation.yield(.chunk(index: produced, audio: audio))
                produced += 1
            }
            continuation.yield(
                .progress(
                    SynthesisProgress(
                        stage: .synthesizing, fraction: Double(index + 1) / Double(chunks.count),
                        detail: "\(index + 1) of \(chunks.count) sentences", sentence: index + 1, sentenceCount: chunks.count)))
        }
        guard produced > 0 else { throw EngineError.nothingToSpeak(engine: engine) }
        return produced
    }
}
