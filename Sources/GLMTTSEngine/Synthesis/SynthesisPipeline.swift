import Foundation

/// Runs a synthesis job end to end: text clean-up, reference preparation, the engine,
/// loudness normalisation and encoding, reporting progress all the way.
///
/// This is the one path every client takes (the CLI and the job queue). Its input is
/// already valid (`SpeechText`, `SynthesisParameters`): it checks nothing again.
public struct SynthesisPipeline: Sendable {
    /// Engines, loaded lazily.
    public let registry: EngineRegistry
    /// Limits on the reference clip.
    public let audioLimits: AudioLimits
    private let executor = BlockingExecutor(label: "pipeline")

    /// Where reference transcripts are cached (by content hash); `.memoryOnly` keeps them in
    /// memory only. The server and the CLI pass `TranscriptCache(data:)`.
    public let transcriptCache: TranscriptCache

    public init(
        registry: EngineRegistry, audioLimits: AudioLimits = .default,
        transcriptCache: TranscriptCache = .memoryOnly
    ) {
        self.registry = registry
        self.transcriptCache = transcriptCache
        self.audioLimits = audioLimits
    }

    /// Progress share of each stage (fractions of the whole job).
    private enum Share {
        static let prepared = 0.05
        static let synthesized = 0.90
        static let postProcessed = 0.95
    }

    /// Runs `job`; `progress` is called from any thread as stages advance, and `chunk` with
    /// each piece of raw engine audio as it is produced (before normalisation), for streaming.
    public func run(
        _ job: SynthesisJob, progress: @escaping @Sendable (SynthesisProgress) -> Void = { _ in },
        chunk onChunk: @escaping @Sendable (AudioBuffer) -> Void = { _ in }
    ) async throws -> SynthesisOutput {
        progress(SynthesisProgress(stage: .preparingText, fraction: 0))
        let text = job.text.value

        let chooser = registry.voiceChooser()
        if let named = job.voiceID, !chooser.models.contains(where: { $0.manifest.id == named }) {
            _ = try await registry.synthesizer(id: named)  // throws the registry's own answer: invalid id, not found, not a voice
        }
        let choice = try chooser.choose(
            text: text, named: job.voiceID, language: job.language, preferCloning: job.referenceAudio != nil && !job.voiceMatch)
        var voiceID = choice.voiceID
        var notes: [String] = []
        var reference: PreparedReference?
        var referenceEmbedding: [Double]?
        var match: VoiceMatch?
        if job.voiceMatch {
            guard let clip = job.referenceAudio else {
                throw EngineError.referenceRequired(engine: voiceID, what: "a reference clip (voice_match was set)")
            }
            if choice.named {
                notes.append("voice_match was not applied: you named the voice '\(voiceID)', so it spoke.")
            } else if (try? registry.catalogue.model(id: voiceID))?.manifest.capabilities.canClone != true {
                progress(SynthesisProgress(stage: .preparingReference, fraction: 0.01, detail: "finding the closest built-in voice"))
                let prepared = try await prepareReference(clip, sampleRate: nil)
                reference = prepared
                (match, referenceEmbedding) = try await matchVoice(to: prepared.audio, chooser: chooser, languages: choice.languages)
                if let match {
                    voiceID = match.voice
                    notes.append(
                        "voice_match: '\(match.voice)' is the built-in voice closest to your clip (speaker similarity "
                            + "\(String(format: "%.2f", match.similarity)), best of \(match.compared.count)). It is not a clone of your voice; "
                            + "install a cloning model (ZipVoice, Pocket-TTS or GLM-TTS) to clone.")
                }
            }
        }
        progress(SynthesisProgress(stage: .loadingModel, fraction: 0.01, detail: voiceID))
        let engine = try await registry.synthesizer(id: voiceID)

        var referenceText = job.referenceText?.trimmingCharacters(in: .whitespacesAndNewlines)
        if referenceText?.isEmpty == true { referenceText = nil }
        var transcribed = false
        if let clip = job.referenceAudio {
            if job.requireClone && !engine.capabilities.canClone {
                throw ParameterError.cloningUnsupported(engine: voiceID)
            }
            progress(SynthesisProgress(stage: .preparingReference, fraction: 0.01))
            if reference == nil || engine.capabilities.canClone {
                reference = try await prepareReference(
                    clip, sampleRate: engine.capabilities.canClone ? engine.capabilities.sampleRate : nil)
            }
            if referenceText == nil && !job.skipTranscription, let prepared = reference {
                progress(SynthesisProgress(stage: .transcribing, fraction: 0.02, detail: "transcribing the reference clip"))
                let transcriber = try await registry.referenceTranscriber(cache: transcriptCache)
                referenceText = try await transcriber.transcribe(prepared.audio).text
                transcribed = true
            }
            if !engine.capabilities.canClone {
                notes.append(
                    "The voice was not cloned: '\(voiceID)' cannot clone, so it spoke in its own voice; the reference clip was only analysed. Install a cloning model (ZipVoice, Pocket-TTS or GLM-TTS) to clone."
                )
            }
        } else if job.requireClone {
            throw EngineError.referenceRequired(engine: voiceID, what: "a reference clip (require_clone was set)")
        }
        progress(SynthesisProgress(stage: .synthesizing, fraction: Share.prepared))

        let request = SynthesisRequest(
            text: text, referenceAudio: engine.capabilities.canClone ? reference?.audio : nil,
            referenceText: referenceText, parameters: job.parameters, language: job.language)
        let started = ContinuousClock.now
        var audio = AudioBuffer(samples: [], sampleRate: engine.capabilities.sampleRate)
        var summary: SynthesisSummary?
        var sentences: [SpokenSentence] = []
        var everyChunkHasText = true
        let verifier = try await verifier(for: job, engine: engine, reference: reference, known: referenceEmbedding)
        var checks: [SentenceVerification] = []
        var heardWords: [TranscriptWord]? = verifier == nil ? nil : []
        var lastFraction = Share.prepared
        for try await event in engine.synthesize(request) {
            switch event {
            case let .progress(step):
                lastFraction = Share.prepared + step.fraction * (Share.synthesized - Share.prepared)
                progress(
                    SynthesisProgress(
                        stage: .synthesizing, fraction: lastFraction, detail: step.detail,
                        sentence: step.sentence, sentenceCount: step.sentenceCount))
            case let .chunk(_, first, chunkText):
                var chunk = first
                if let verifier, let chunkText {
                    let index = checks.count
                    let (kept, check, words) = try await verifier.verify(
                        first, text: chunkText, index: index, language: job.language ?? choice.languages.first,
                        speed: job.parameters.speed,
                        retake: { attempt in try await Self.retake(chunkText, attempt: attempt, of: request, on: engine) },
                        note: { line in progress(SynthesisProgress(stage: .synthesizing, fraction: lastFraction, detail: line)) })
                    chunk = kept
                    checks.append(check)
                    if let words, heardWords != nil {
                        let offset = audio.duration
                        heardWords? += words.map { TranscriptWord(start: $0.start + offset, end: $0.end + offset, text: $0.text) }
                    } else {
                        heardWords = nil
                    }
                }
                if audio.samples.isEmpty { audio.sampleRate = chunk.sampleRate }
                let start = audio.duration
                audio.append(chunk)
                if let chunkText { sentences.append(SpokenSentence(text: chunkText, start: start, end: audio.duration)) }
                everyChunkHasText = everyChunkHasText && chunkText != nil
                onChunk(chunk)
            case let .finished(done):
                summary = done
            }
        }
        // Checking takes is verification's cost, reported per sentence; retakes are engine work.
        let synthesisSeconds = max(0, (ContinuousClock.now - started).inSeconds - checks.reduce(0) { $0 + $1.checkSeconds })
        if !everyChunkHasText { sentences = [SpokenSentence(text: text, start: 0, end: audio.duration)] }
        guard let summary else {
            // A cancelled job's engine stream ends early: that is a cancellation, not a failure.
            try Task.checkCancellation()
            throw EngineError.generationFailed(engine: voiceID, reason: "the engine ended without finishing")
        }

        var similarity: Double?
        if let prepared = reference {
            progress(SynthesisProgress(stage: .encoding, fraction: Share.synthesized, detail: "measuring speaker similarity"))
            do {
                similarity = try await speakerSimilarity(of: audio, to: prepared.audio, known: referenceEmbedding)
            } catch {
                notes.append("Speaker similarity was not measured: \((error as? GLMTTSError)?.message ?? "\(error)")")
            }
        }

        progress(SynthesisProgress(stage: .encoding, fraction: Share.synthesized))
        let normalize = job.normalizeLoudness
        let target = job.targetLoudness
        let format = job.outputFormat
        let finalAudio = audio
        let (processed, encoded) = try await executor.run {
            let processed = normalize ? LoudnessNormalizer.normalize(finalAudio, targetLUFS: target) : finalAudio
            return (processed, try AudioEncoder.encode(processed, as: format))
        }
        progress(SynthesisProgress(stage: .done, fraction: 1))
        return SynthesisOutput(
            audio: processed, encoded: encoded, format: format, voiceID: voiceID, summary: summary,
            referenceReport: reference?.report, referenceText: referenceText, referenceTextTranscribed: transcribed,
            notes: notes, synthesisSeconds: synthesisSeconds, languages: choice.languages, speakerSimilarity: similarity,
            voiceMatch: match, sentences: sentences,
            verification: verifier == nil ? nil : checks,
            captions: await verifiedCaptions(processed, sentences: sentences, heard: heardWords, verifier: verifier))
    }

    /// The verifier `job` asks for (nil: none), checking the voice of cloned takes against
    /// `reference` when a speaker-embedding model is installed.
    private func verifier(
        for job: SynthesisJob, engine: any SpeechSynthesizer, reference: PreparedReference?, known: [Double]?
    ) async throws -> SpeechVerifier? {
        guard let thresholds = job.verification else { return nil }
        var speaker: (encoder: SpeakerEncoder, reference: [Double])?
        if engine.capabilities.canClone, let reference,
            let encoder = try await registry.speakerTools(cacheDirectory: embeddingCache)?.encoder
        {
            let embedding: [Double]
            if let known { embedding = known } else { embedding = try await encoder.embedding(of: reference.audio) }
            speaker = (encoder, embedding)
        }
        return SpeechVerifier(registry: registry, thresholds: thresholds, speaker: speaker)
    }

    /// Another take of `sentence`: `request` for that sentence alone, with the seed moved on
    /// by `attempt` when one was given.
    private static func retake(
        _ sentence: String, attempt: Int, of request: SynthesisRequest, on engine: any SpeechSynthesizer
    ) async throws -> AudioBuffer {
        var again = request
        again.text = sentence
        if let seed = request.parameters.seed { again.parameters = request.parameters.with(seed: seed &+ UInt64(attempt)) }
        var audio = AudioBuffer(samples: [], sampleRate: engine.capabilities.sampleRate)
        for try await event in engine.synthesize(again) {
            if case let .chunk(_, piece, _) = event {
                if audio.samples.isEmpty { audio.sampleRate = piece.sampleRate }
                audio.append(piece)
            }
        }
        return audio
    }

    /// The captions verification heard (every sentence's kept take transcribed with timed
    /// words), so they need no second transcription; nil otherwise.
    private func verifiedCaptions(
        _ audio: AudioBuffer, sentences: [SpokenSentence], heard: [TranscriptWord]?, verifier: SpeechVerifier?
    ) async -> Captions? {
        guard let verifier, let heard, !heard.isEmpty, let recognizers = await verifier.recognizerIDs() else { return nil }
        return CaptionAligner.align(audio, sentences: sentences, heard: heard, recognizer: recognizers, estimatedBecause: nil, seconds: 0)
    }

    /// Where the voice matcher keeps built-in voices' embeddings: beside the transcript cache.
    private var embeddingCache: URL? {
        transcriptCache.directory?.deletingLastPathComponent().appendingPathComponent("voice-embeddings", isDirectory: true)
    }

    /// The built-in voice closest to `clip` among the non-cloning voices that speak
    /// `languages` (espeak-ng ones excluded: they are not human voices), and the clip's embedding.
    private func matchVoice(to clip: AudioBuffer, chooser: VoiceChooser, languages: [String]) async throws -> (VoiceMatch?, [Double]) {
        guard let tools = try await registry.speakerTools(cacheDirectory: embeddingCache) else {
            throw ModelError.notFound(id: "speaker-ge2e", available: [])
        }
        let candidates = chooser.speakers(of: languages).filter { id in
            guard let model = chooser.models.first(where: { $0.manifest.id == id }) else { return false }
            return model.manifest.engine != .espeak && !model.manifest.capabilities.canClone
        }
        let embedding = try await tools.encoder.embedding(of: clip)
        return (try await tools.matcher.closest(to: embedding, among: candidates, language: languages.first), embedding)
    }

    /// Cosine similarity of the voice in `audio` to the one in `reference`; nil when no
    /// speaker-embedding model is installed.
    private func speakerSimilarity(of audio: AudioBuffer, to reference: AudioBuffer, known: [Double]?) async throws -> Double? {
        guard let encoder = try await registry.speakerTools(cacheDirectory: embeddingCache)?.encoder else { return nil }
        let referenceEmbedding: [Double]
        if let known { referenceEmbedding = known } else { referenceEmbedding = try await encoder.embedding(of: reference) }
        return SpeakerEncoder.cosine(try await encoder.embedding(of: audio), referenceEmbedding)
    }

    /// Decodes and cleans up a reference clip (VAD trim, best window, quality report),
    /// resampled to `sampleRate` when given. Used for synthesis, saved voices and the
    /// reference inspection endpoint, so all three judge a clip the same way.
    public func prepareReference(_ clip: Data, sampleRate: Int?) async throws -> PreparedReference {
        let limits = audioLimits
        let vad = await registry.voiceActivityDetector()
        return try await executor.run {
            let decoded = try AudioDecoder.decode(clip, limits: limits)
            return try ReferencePreparer.prepare(decoded.audio, targetSampleRate: sampleRate, vad: vad)
        }
    }
}
