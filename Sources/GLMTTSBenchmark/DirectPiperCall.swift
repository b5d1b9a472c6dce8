import CSherpaOnnx
import Foundation
import GLMTTSEngine

/// The baseline for the engine-overhead benchmark: the same Piper voice driven straight
/// through the sherpa-onnx C API, synchronously, with no engine layer (no stream, task,
/// executor, report or registry) — only what any caller must do: phonemize each sentence
/// and call `SherpaOnnxOfflineTtsGenerateWithConfig`.
public final class DirectPiperCall {
    private let handle: OpaquePointer
    private let phonemizer: EspeakPhonemizer

    /// Loads the voice's files with the C API directly.
    public init(model: InstalledModel, threads: Int) throws {
        let settings = PiperVoiceSettings(options: model.manifest.options)
        phonemizer = EspeakPhonemizer(voice: settings.espeakVoice)
        let modelPath = strdup(try model.fileURL("model").path)
        let tokensPath = strdup(try model.fileURL("tokens").path)
        let empty = strdup("")
        let cpu = strdup("cpu")
        defer {
            free(modelPath)
            free(tokensPath)
            free(empty)
            free(cpu)
        }
        var config = SherpaOnnxOfflineTtsConfig()
        config.model.vits.model = UnsafePointer(modelPath)
        config.model.vits.tokens = UnsafePointer(tokensPath)
        config.model.vits.lexicon = UnsafePointer(empty)
        config.model.vits.data_dir = UnsafePointer(empty)
        config.model.vits.dict_dir = UnsafePointer(empty)
        config.model.vits.noise_scale = Float(settings.noiseScale)
        config.model.vits.noise_scale_w = Float(settings.noiseScaleW)
        config.model.vits.length_scale = Float(settings.lengthScale)  // speed 1: sherpa-onnx uses it as is
        config.model.num_threads = Int32(threads)
        config.model.provider = UnsafePointer(cpu)
        config.max_num_sentences = 1
        guard let handle = SherpaOnnxCreateOfflineTts(&config) else {
            throw ModelError.loadFailed(model: model.manifest.id, reason: "sherpa-onnx rejected the model files")
        }
        self.handle = handle
    }

    deinit { SherpaOnnxDestroyOfflineTts(handle) }

    /// Synthesises each chunk with one C call; returns the total number of samples.
    public func synthesize(chunks: [String]) throws -> (samples: Int, sampleRate: Int) {
        var total = 0
        var rate = 0
        for chunk in chunks {
            let sentences = try phonemizer.phonemize(chunk)
            var codepoints: [Int32] = []
            var lengths: [Int32] = []
            for sentence in sentences where !sentence.isEmpty {
                let scalars = sentence.unicodeScalars.map { Int32(bitPattern: $0.value) }
                codepoints += scalars
                lengths.append(Int32(scalars.count))
            }
            guard !lengths.isEmpty else { continue }
            codepoints.withUnsafeBufferPointer { cps in
                lengths.withUnsafeBufferPointer { lens in
                    var config = SherpaOnnxGenerationConfig()
                    config.speed = 1
                    config.silence_scale = 0.2
                    config.phoneme_codepoints = cps.baseAddress
                    config.phoneme_codepoints_lens = lens.baseAddress
                    config.phoneme_codepoints_num_sentences = Int32(lens.count)
                    if let audio = SherpaOnnxOfflineTtsGenerateWithConfig(handle, "", &config, nil, nil) {
                        total += Int(audio.pointee.n)
                        rate = Int(audio.pointee.sample_rate)
                        SherpaOnnxDestroyOfflineTtsGeneratedAudio(audio)
                    }
                }
            }
        }
        return (total, rate)
    }
}
