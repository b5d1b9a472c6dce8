import Foundation

/// Finds the built-in voice closest to a reference clip: each candidate voice says a fixed
/// sample text in the language of the request (once; embeddings are kept per voice, file
/// revision and language), and the one whose embedding has the highest cosine with the
/// clip's wins.
///
/// The first match over N voices costs N short syntheses (a few seconds each here); the
/// embeddings are then kept in memory and, with a `cacheDirectory`, on disk (one small JSON
/// file per voice, file revision and language), so later matches — after a restart too —
/// cost only the clip's own embedding.
public actor VoiceMatcher {
    /// Sample sentences per language, about 3–4 s of speech each: enough for a stable
    /// embedding (two to three of the encoder's 1.6 s windows), short enough that the first
    /// match over five voices costs five short syntheses.
    public static let sampleTexts = [
        "en": "I have been looking forward to talking with you today.",
        "zh": "今天天气很好，我们一起去公园散步吧。",
        "ja": "今日はとても良い天気ですね、散歩しましょう。",
    ]

    private let registry: EngineRegistry
    private let encoder: SpeakerEncoder
    private let cacheDirectory: URL?
    private var embeddings: [String: [Double]] = [:]

    public init(registry: EngineRegistry, encoder: SpeakerEncoder, cacheDirectory: URL? = nil) {
        self.registry = registry
        self.encoder = encoder
        self.cacheDirectory = cacheDirectory
    }

    /// The voice among `candidates` closest to `reference` (an embedding), for text in `language`.
    public func closest(to reference: [Double], among candidates: [String], language: String?) async throws -> VoiceMatch? {
        var compared: [VoiceSimilarity] = []
        for id in candidates {
            try Task.checkCancellation()
            let voice = try await embedding(ofVoice: id, language: language)
            compared.append(VoiceSimilarity(voice: id, similarity: SpeakerEncoder.cosine(reference, voice)))
        }
        compared.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.voice < $1.voice }
        guard let best = compared.first else { return nil }
        return VoiceMatch(voice: best.voice, similarity: best.similarity, compared: compared)
    }

    /// The embedding of voice `id` saying the sample text of `language` (or of its own first language).
    private func embedding(ofVoice id: String, language: String?) async throws -> [Double] {
        let model = try registry.catalogue.model(id: id)
        let spoken = model.manifest.languages.map(LanguageCode.primary)
        let chosen = language.flatMap { spoken.contains($0) ? $0 : nil } ?? spoken.first { Self.sampleTexts[$0] != nil } ?? "en"
        let key = "\(id)-\(ModelRevision.of(model))-\(chosen)"  // model ids are safe file names (ModelManifest.isValidID)
        if let known = embeddings[key] ?? readCache(key) {
            embeddings[key] = known
            return known
        }
        let synthesizer = try await registry.synthesizer(id: id)
        var audio = AudioBuffer(samples: [], sampleRate: synthesizer.capabilities.sampleRate)
        for try await event in synthesizer.synthesize(
            SynthesisRequest(text: Self.sampleTexts[chosen] ?? Self.sampleTexts["en"]!, language: chosen))
        {
            if case let .chunk(_, chunk, _) = event {
                if audio.samples.isEmpty { audio.sampleRate = chunk.sampleRate }
                audio.append(chunk)
            }
        }
        let embedding = try await encoder.embedding(of: audio)
        embeddings[key] = embedding
        writeCache(key, embedding)
        return embedding
    }

    private func readCache(_ key: String) -> [Double]? {
        guard let url = cacheDirectory?.appendingPathComponent("\(key).json"), let data = try? Data(contentsOf: url),
            let values = try? JSONDecoder().decode([Double].self, from: data), values.count == 256
        else { return nil }
        return values
    }

    private func writeCache(_ key: String, _ embedding: [Double]) {
        guard let directory = cacheDirectory, let data = try? JSONEncoder().encode(embedding) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? data.write(to: directory.appendingPathComponent("\(key).json"), options: .atomic)
    }
}
