import CSherpaOnnx
import Foundation

/// One loaded sherpa-onnx offline TTS model (`SherpaOnnxOfflineTts`).
///
/// Calls block; use it from a `BlockingExecutor`, one call at a time (the executor's serial
/// queue guarantees that). The native object is destroyed when this wrapper is released.
public final class SherpaOfflineTTS: @unchecked Sendable {
    // @unchecked Sendable: the handle is immutable after init and only used from one
    // serial BlockingExecutor at a time.
    private let handle: OpaquePointer
    /// Output sample rate reported by the model.
    public let sampleRate: Int

    /// Loads a model from a fully filled config. `modelName` is used in error messages.
    public init(config: inout SherpaOnnxOfflineTtsConfig, modelName: String) throws {
        guard let handle = SherpaOnnxCreateOfflineTts(&config) else {
            throw ModelError.loadFailed(model: modelName, reason: "sherpa-onnx rejected the model files (see the log above for its reason)")
        }
        self.handle = handle
        sampleRate = Int(SherpaOnnxOfflineTtsSampleRate(handle))
    }

    deinit {
        SherpaOnnxDestroyOfflineTts(handle)
    }

    /// Generates audio for `text` (or the pre-phonemized input in `config`). Returns nil
    /// when the flag was raised during generation; throws when the model produced nothing.
    public func generate(text: String, config: inout SherpaOnnxGenerationConfig, cancellation: CancellationFlag,
                         modelName: String) throws -> AudioBuffer? {
        let box = Unmanaged.passRetained(cancellation)
        defer { box.release() }
        let audio = text.withCString { cText in
            SherpaOnnxOfflineTtsGenerateWithConfig(handle, cText, &config, { _, _, _, arg in
                guard let arg else { return 1 }
                return Unmanaged<CancellationFlag>.fromOpaque(arg).takeUnretainedValue().isCancelled ? 0 : 1
            }, box.toOpaque())
        }
        if cancellation.isCancelled {
            if let audio { SherpaOnnxDestroyOfflineTtsGeneratedAudio(audio) }
            return nil
        }
        guard let audio else {
            throw EngineError.generationFailed(engine: modelName, reason: "sherpa-onnx returned no audio")
        }
        defer { SherpaOnnxDestroyOfflineTtsGeneratedAudio(audio) }
        let count = Int(max(audio.pointee.n, 0))
        let samples = count > 0 && audio.pointee.samples != nil
            ? Array(UnsafeBufferPointer(start: audio.pointee.samples, count: count)) : []
        return AudioBuffer(samples: samples, sampleRate: Int(audio.pointee.sample_rate))
    }
}
