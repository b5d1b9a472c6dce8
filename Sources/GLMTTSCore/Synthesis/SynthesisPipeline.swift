import Foundation

/// Runs a synthesis job end to end: text clean-up, reference preparation, the engine,
/// loudness normalisation and encoding, reporting progress all the way.
///
/// This is the one path every client takes (CLI now; HTTP jobs later).
public struct SynthesisPipeline: Sendable {
    /// Engines, loaded lazily.
    public let registry: EngineRegistry
    /// Limits on the text.
    public let textLimits: TextLimits
    /// Limits on the reference clip.
    public let audioLimits: AudioLimits
    private let executor = BlockingExecutor(label: "pipeline")

    /// Where reference transcripts are cached (by content hash); nil keeps them in memory only.
    public let transcriptCache: URL?

    public init(registry: EngineRegistry, textLimits: TextLimits = .default, audioLimits: AudioLimits = .default,
                transcriptCache: URL? = nil) {
        self.registry = registry
        self.transcriptCache = transcriptCache
        self.textLimits = textLimits
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
    public func run(_ job: SynthesisJob, progress: @escaping @Sendable (SynthesisProgress) -> Void = { _ in },
                    chunk onChunk: @escaping @Sendable (AudioBuffer) -> Void = { _ in }) async throws -> SynthesisOutput {
        progress(SynthesisProgress(stage: .preparingText, fraction: 0))
        let text = try TextValidator.prepare(job.text, limits: textLimits)
        try job.parameters.validate()

        let choice = try registry.voiceChooser().choose(text: text, named: job.voiceID, language: job.language)
        let voiceID = choice.voiceID
        progress(SynthesisProgress(stage: .loadingModel, fraction: 0.01, detail: voiceID))
        let engine = try await registry.synthesizer(id: voiceID)
        var notes: [String] = []

        var reference: PreparedReference?
        var referenceText = job.referenceText?.trimmingCharacters(in: .whitespacesAndNewlines)
        if referenceText?.isEmpty == true { referenceText = nil }
        var transcribed = false
        if let clip = job.referenceAudio {
            if job.requireClone && !engine.capabilities.canClone {
                throw ParameterError.cloningUnsupported(engine: voiceID)
            }
            progress(SynthesisProgress(stage: .preparingReference, fraction: 0.01))
            reference = try await prepareReference(clip, sampleRate: engine.capabilities.canClone ? engine.capabilities.sampleRate : nil)
            if referenceText == nil && !job.skipTranscription, let prepared = reference {
                progress(SynthesisProgress(stage: .transcribing, fraction: 0.02, detail: "transcribing the reference clip"))
                let transcriber = try await registry.referenceTranscriber(cacheDirectory: transcriptCache)
                referenceText = try await transcriber.transcribe(prepared.audio).text
                transcribed = true
            }
            if !engine.capabilities.canClone {
                notes.append("The voice was not cloned: '\(voiceID)' cannot clone, so it spoke in its own voice; the reference clip was only analysed. Install a cloning model (ZipVoice, Pocket-TTS or GLM-TTS) to clone.")
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
        for try await event in engine.synthesize(request) {
            switch event {
            case let .progress(step):
                progress(SynthesisProgress(
                    stage: .synthesizing,
                    fraction: Share.prepared + step.fraction * (Share.synthesized - Share.prepared), detail: step.detail,
                    sentence: step.sentence, sentenceCount: step.sentenceCount))
            case let .chunk(_, chunk):
                if audio.samples.isEmpty { audio.sampleRate = chunk.sampleRate }
                audio.append(chunk)
                onChunk(chunk)
            case let .finished(done):
                summary = done
            }
        }
        let synthesisSeconds = (ContinuousClock.now - started).inSeconds
        guard let summary else { throw EngineError.generationFailed(engine: voiceID, reason: "the engine ended without finishing") }

        progress(SynthesisProgress(stage: .encoding, fraction: Share.synthesized))
        let normalize = job.normalizeLoudness, target = job.targetLoudness, format = job.outputFormat
        let finalAudio = audio
        let (processed, encoded) = try await executor.run {
            let processed = normalize ? LoudnessNormalizer.normalize(finalAudio, targetLUFS: target) : finalAudio
            return (processed, try AudioEncoder.encode(processed, as: format))
        }
        progress(SynthesisProgress(stage: .done, fraction: 1))
        return SynthesisOutput(
            audio: processed, encoded: encoded, format: format, voiceID: voiceID, summary: summary,
            referenceReport: reference?.report, referenceText: referenceText, referenceTextTranscribed: transcribed,
            notes: notes, synthesisSeconds: synthesisSeconds, languages: choice.languages)
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
