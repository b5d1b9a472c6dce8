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
        guard let handle = FreeMemory.whileLoading({ SherpaOnnxCreateOfflineTts(&config) }) else {
            throw ModelError.loadFailed(
                model: modelName,
                reason:
                    "sherpa-onnx rejected the model files (its reason is on standard error); check they come from the same published model pack"
            )
        }
        let rate = Int(SherpaOnnxOfflineTtsSampleRate(handle))
        guard rate > 0 else {
            SherpaOnnxDestroyOfflineTts(handle)
            throw ModelError.loadFailed(model: modelName, reason: "sherpa-onnx reports a sample rate of \(rate) Hz")
        }
        self.handle = handle
        sampleRate = rate
    }

    deinit {
        SherpaOnnxDestroyOfflineTts(handle)
    }

    /// Generates audio for `text` (or the pre-phonemized input in `config`, whose pointers
    /// must stay valid for the call). `progress` receives sherpa-onnx's fraction (0…1) from
    /// its callback, on the calling thread. Returns nil when the flag was raised during
    /// generation (the callback then asks sherpa-onnx to stop); throws when the model
    /// produced nothing.
    public func generate(
        text: String, config: inout SherpaOnnxGenerationConfig, cancellation: CancellationFlag,
        modelName: String, progress: (@Sendable (Double) -> Void)? = nil
    ) throws -> AudioBuffer? {
        let box = Unmanaged.passRetained(CallbackBox(flag: cancellation, progress: progress))
        defer { box.release() }
        let audio = text.withCString { cText in
            SherpaOnnxOfflineTtsGenerateWithConfig(
                handle, cText, &config,
                { _, _, fraction, arg in
                    guard let arg else { return 1 }
                    let box = Unmanaged<CallbackBox>.fromOpaque(arg).takeUnretainedValue()
                    box.progress?(Double(fraction))
                    return box.flag.isCancelled ? 0 : 1
                }, box.toOpaque())
        }
        if cancellation.isCancelled {
            if let audio { SherpaOnnxDestroyOfflineTtsGeneratedAudio(audio) }
            return nil
        }
        guard let audio else {
            throw EngineError.generationFailed(engine: modelName, reason: "sherpa-onnx returned no audio (its reason is on standard error)")
        }
        defer { SherpaOnnxDestroyOfflineTtsGeneratedAudio(audio) }
        let count = Int(max(audio.pointee.n, 0))
        let samples =
            count > 0 && audio.pointee.samples != nil
            ? Array(UnsafeBufferPointer(start: audio.pointee.samples, count: count)) : []
        let rate = Int(audio.pointee.sample_rate)
        return AudioBuffer(samples: samples, sampleRate: rate > 0 ? rate : sampleRate)
    }

    /// What the C callback reaches through its `arg` pointer.
    private final class CallbackBox {
        let flag: CancellationFlag
        let progress: (@Sendable (Double) -> Void)?

        init(flag: CancellationFlag, progress: (@Sendable (Double) -> Void)?) {
            self.flag = flag
            self.progress = progress
        }
    }
}
