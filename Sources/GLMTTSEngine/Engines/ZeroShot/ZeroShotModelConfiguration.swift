import CSherpaOnnx
import Foundation

/// A checked ZipVoice or Pocket-TTS model: its files, its options, and the sherpa-onnx
/// config built from them.
///
/// Built from an `InstalledModel` whose engine is `.zipvoice` or `.pocket`. Every required
/// file role must name a file inside the model folder (`InstalledModel.fileURL` names the
/// missing one) and every option must parse; the manifest format is documented in
/// docs/ENGINES-ZEROSHOT.md. UNVERIFIED HERE: no weights exist on the build machine, so the
/// config has only been exercised against files sherpa-onnx rejects.
public struct ZeroShotModelConfiguration: Sendable, Equatable {
    /// Manifest id (used in errors).
    public let modelID: String
    /// Model family.
    public let family: ZeroShotFamily
    /// Role → absolute file location, for every required role and every optional role present.
    public let files: [String: URL]
    /// ONNX Runtime threads (option `numThreads`, default: the loader's choice).
    public let numThreads: Int
    /// ONNX Runtime execution provider (option `provider`, default `cpu`).
    public let provider: String
    /// Flow steps per sampling strategy (options `stepsFast`/`stepsBalanced`/`stepsQuality`).
    public let steps: ZeroShotStepSchedule
    /// ZipVoice classifier-free guidance (option `guidanceScale`; default 3.0 for the
    /// distilled model and 1.0 for the full one, as ZipVoice's own inference script uses).
    public let guidanceScale: Double
    /// ZipVoice prompt mel scale (option `featScale`, default 0.1).
    public let featScale: Double
    /// ZipVoice timestep shift (option `tShift`, default 0.5).
    public let tShift: Double
    /// ZipVoice prompt RMS target (option `targetRMS`, default 0.1).
    public let targetRMS: Double
    /// espeak-ng voice that phonemizes non-Chinese text for ZipVoice (option `espeakVoice`,
    /// default `en-us`, as ZipVoice's Emilia tokenizer does).
    public let espeakVoice: String
    /// Pocket-TTS voice-embedding cache size (option `voiceEmbeddingCacheCapacity`, default 16).
    public let voiceEmbeddingCacheCapacity: Int
    /// Longest reference Pocket-TTS encodes, seconds (option `maxReferenceSeconds`,
    /// default `ReferencePreparer.maxWindow`).
    public let maxReferenceSeconds: Double

    /// Metadata `model_type` values sherpa-onnx's vocoder loader accepts.
    public static let supportedVocoderTypes: Set<String> = ["vocos", "hifigan", "matcha-tts vocos"]
    /// The ZipVoice sample rate sherpa-onnx assumes when the decoder declares none.
    public static let defaultZipVoiceSampleRate = 24_000

    /// Checks `model` and resolves its files and options.
    ///
    /// Throws `ModelError.invalidManifest` for a model that is not ZipVoice/Pocket-TTS, a file
    /// name escaping the folder, or an option that does not parse or is out of range;
    /// `ModelError.missingFile` naming the first missing role or file.
    public init(model: InstalledModel, defaultThreads: Int) throws {
        let manifest = model.manifest
        guard let family = ZeroShotFamily(engine: manifest.engine) else {
            throw ModelError.invalidManifest(
                path: manifest.id, reason: "engine '\(manifest.engine.rawValue)' is not a zero-shot model (expected zipvoice or pocket)")
        }
        modelID = manifest.id
        self.family = family
        var files: [String: URL] = [:]
        for role in family.requiredFileRoles { files[role] = try model.fileURL(role) }
        for role in family.optionalFileRoles where manifest.files[role] != nil { files[role] = try model.fileURL(role) }
        self.files = files

        let options = OptionReader(modelID: manifest.id, options: manifest.options)
        numThreads = try options.integer("numThreads", default: max(defaultThreads, 1), in: 1...64)
        provider = try options.word("provider", default: "cpu")
        switch family {
        case .zipvoice:
            let variant = try options.word("variant", default: "distill")
            guard variant == "distill" || variant == "full" else {
                throw ModelError.invalidManifest(path: manifest.id, reason: "option variant = '\(variant)' must be 'distill' or 'full'")
            }
            let preset: ZeroShotStepSchedule = variant == "distill" ? .zipvoiceDistill : .zipvoiceFull
            steps = try options.schedule(default: preset)
            guidanceScale = try options.number("guidanceScale", default: variant == "distill" ? 3.0 : 1.0, positive: true)
            featScale = try options.number("featScale", default: 0.1, positive: true)
            tShift = try options.number("tShift", default: 0.5, positive: false)
            targetRMS = try options.number("targetRMS", default: 0.1, positive: true)
            espeakVoice = try options.word("espeakVoice", default: "en-us")
            voiceEmbeddingCacheCapacity = 0
            maxReferenceSeconds = ReferencePreparer.maxWindow
        case .pocket:
            steps = try options.schedule(default: .pocket)
            guidanceScale = 0
            featScale = 0
            tShift = 0
            targetRMS = 0
            espeakVoice = ""
            voiceEmbeddingCacheCapacity = try options.integer("voiceEmbeddingCacheCapacity", default: 16, in: 0...1_000)
            maxReferenceSeconds = try options.number("maxReferenceSeconds", default: ReferencePreparer.maxWindow, positive: true)
        }
    }

    /// The absolute location of `role` (a role this configuration resolved).
    public func file(_ role: String) throws -> URL {
        guard let url = files[role] else { throw ModelError.missingFile(model: modelID, file: role) }
        return url
    }

    /// Checks what sherpa-onnx 2.0.1 does not check safely before it loads the model.
    ///
    /// Every ONNX role must parse as an ONNX model. For ZipVoice, the vocoder must declare a
    /// `model_type` sherpa-onnx knows (otherwise sherpa-onnx creates the engine anyway and
    /// dereferences a null vocoder on the first synthesis), and its declared `sample_rate`
    /// must match the decoder's (otherwise sherpa-onnx calls `exit(-1)` and takes the whole
    /// process down). Throws `ModelError.loadFailed` naming the file.
    public func preflight() throws {
        var metadata: [String: [String: String]] = [:]
        for role in family.onnxFileRoles {
            let url = try file(role)
            do {
                let data = try Data(contentsOf: url, options: .alwaysMapped)
                metadata[role] = try OnnxModelMetadata.read(from: data, source: url.lastPathComponent)
            } catch let error as GLMTTSError {
                throw ModelError.loadFailed(
                    model: modelID, reason: "its \(role) file '\(url.lastPathComponent)' is not a usable ONNX model (\(error.message))")
            } catch {
                throw ModelError.loadFailed(
                    model: modelID, reason: "its \(role) file '\(url.lastPathComponent)' cannot be read (\(error.localizedDescription))")
            }
        }
        guard family == .zipvoice else { return }
        let vocoderName = (try file("vocoder")).lastPathComponent
        let vocoder = metadata["vocoder"] ?? [:]
        guard let type = vocoder["model_type"], Self.supportedVocoderTypes.contains(type) else {
            let found = vocoder["model_type"].map { "model_type '\($0)'" } ?? "no model_type metadata"
            throw ModelError.loadFailed(
                model: modelID,
                reason:
                    "its vocoder '\(vocoderName)' has \(found); sherpa-onnx needs a Vocos or HiFi-GAN vocoder from its vocoder-models release (vocos_24khz.onnx for ZipVoice)"
            )
        }
        let decoderRate = metadata["decoder"]?["sample_rate"].flatMap { Int($0) } ?? Self.defaultZipVoiceSampleRate
        if let vocoderRate = vocoder["sample_rate"].flatMap({ Int($0) }), vocoderRate != decoderRate {
            throw ModelError.loadFailed(
                model: modelID,
                reason:
                    "its vocoder '\(vocoderName)' runs at \(vocoderRate) Hz but the model at \(decoderRate) Hz; install the matching vocoder (vocos_24khz.onnx for 24 kHz models)"
            )
        }
    }

    /// Calls `body` with the sherpa-onnx config for this model. The config's C strings are
    /// owned by a pool that lives until `body` returns, so pass it to
    /// `SherpaOnnxCreateOfflineTts` inside `body` and keep nothing from it afterwards.
    public func withNativeConfig<T>(_ body: (inout SherpaOnnxOfflineTtsConfig) throws -> T) throws -> T {
        let pool = CStringPool()
        var config = SherpaOnnxOfflineTtsConfig()
        config.model.num_threads = Int32(numThreads)
        config.model.provider = pool.string(provider)
        config.model.debug = 0
        config.rule_fsts = pool.string("")
        config.rule_fars = pool.string("")
        config.max_num_sentences = 1
        config.silence_scale = 0.2
        switch family {
        case .zipvoice:
            config.model.zipvoice.tokens = pool.string(try file("tokens").path)
            config.model.zipvoice.encoder = pool.string(try file("encoder").path)
            config.model.zipvoice.decoder = pool.string(try file("decoder").path)
            config.model.zipvoice.vocoder = pool.string(try file("vocoder").path)
            config.model.zipvoice.lexicon = pool.string(files["lexicon"]?.path ?? "")
            config.model.zipvoice.data_dir = pool.string("")  // ignored since sherpa-onnx 2.0
            config.model.zipvoice.feat_scale = Float(featScale)
            config.model.zipvoice.t_shift = Float(tShift)
            config.model.zipvoice.target_rms = Float(targetRMS)
            config.model.zipvoice.guidance_scale = Float(guidanceScale)
        case .pocket:
            config.model.pocket.lm_flow = pool.string(try file("lmFlow").path)
            config.model.pocket.lm_main = pool.string(try file("lmMain").path)
            config.model.pocket.encoder = pool.string(try file("encoder").path)
            config.model.pocket.decoder = pool.string(try file("decoder").path)
            config.model.pocket.text_conditioner = pool.string(try file("textConditioner").path)
            config.model.pocket.vocab_json = pool.string(try file("vocab").path)
            config.model.pocket.token_scores_json = pool.string(try file("tokenScores").path)
            config.model.pocket.voice_embedding_cache_capacity = Int32(voiceEmbeddingCacheCapacity)
        }
        return try withExtendedLifetime(pool) { try body(&config) }
    }
}

/// Reads typed values from a manifest's string options, with errors that name the option.
private struct OptionReader {
    let modelID: String
    let options: [String: String]

    func fail(_ key: String, _ value: String, _ expectation: String) -> ModelError {
        ModelError.invalidManifest(path: modelID, reason: "option \(key) = '\(value)' \(expectation)")
    }

    func integer(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let raw = options[key] else { return fallback }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw fail(key, raw, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func number(_ key: String, default fallback: Double, positive: Bool) throws -> Double {
        guard let raw = options[key] else { return fallback }
        guard let value = Double(raw.trimmingCharacters(in: .whitespaces)), value.isFinite,
            positive ? value > 0 : value >= 0
        else {
            throw fail(key, raw, positive ? "must be a number above 0" : "must be a number of 0 or more")
        }
        return value
    }

    func word(_ key: String, default fallback: String) throws -> String {
        guard let raw = options[key] else { return fallback }
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw fail(key, raw, "must not be empty") }
        return value
    }

    func schedule(default preset: ZeroShotStepSchedule) throws -> ZeroShotStepSchedule {
        ZeroShotStepSchedule(
            fast: try integer("stepsFast", default: preset.fast, in: 1...64),
            balanced: try integer("stepsBalanced", default: preset.balanced, in: 1...64),
            quality: try integer("stepsQuality", default: preset.quality, in: 1...64))
    }
}
