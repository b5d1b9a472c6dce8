/// The sentence-by-sentence loop shared by engines that synthesise one chunk at a time.
///
/// Splits the text into chunks, asks `produce` for each one's audio (nil means cancelled),
/// yields every non-empty chunk with progress, and ends with `.finished`. A text that
/// yields no audio at all is `EngineError.nothingToSpeak`.
public enum SentenceStream {
    /// A stream that runs the loop with `produce(chunk, isLast)`. The parameters are
    /// validated before anything else; `report` is built only after that.
    public static func make(
        engine: String, request: SynthesisRequest, sampleRate: Int, report: @escaping @Sendable () -> ParameterReport,
        produce: @escaping @Sendable (_ chunk: String, _ isLast: Bool, _ flag: CancellationFlag) async throws -> AudioBuffer?
    ) -> AsyncThrowingStream<SynthesisEvent, Error> {
        SynthesisStream.make { continuation, flag in
            try request.parameters.validate()
            let chunks = SentenceSplitter.split(request.text, maxChunkCharacters: TextLimits.default.maxChunkCharacters)
            guard !chunks.isEmpty else { throw EngineError.nothingToSpeak(engine: engine) }
            continuation.yield(.progress(SynthesisProgress(stage: .synthesizing, fraction: 0, detail: "0 of \(chunks.count) sentences")))
            var produced = 0
            for (index, chunk) in chunks.enumerated() {
                try Task.checkCancellation()
                guard let audio = try await produce(chunk, index == chunks.count - 1, flag) else { throw CancellationError() }
                if !audio.samples.isEmpty {
                    continuation.yield(.chunk(index: produced, audio: audio))
                    produced += 1
                }
                continuation.yield(.progress(SynthesisProgress(
                    stage: .synthesizing, fraction: Double(index + 1) / Double(chunks.count),
                    detail: "\(index + 1) of \(chunks.count) sentences")))
            }
            guard produced > 0 else { throw EngineError.nothingToSpeak(engine: engine) }
            continuation.yield(.finished(SynthesisSummary(
                parameterReport: report(), sampleRate: sampleRate, cloned: false, chunkCount: produced)))
        }
    }
}
