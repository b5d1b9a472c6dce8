import CSherpaOnnx
import Foundation

/// Owns one sherpa-onnx `SherpaOnnxOfflineTts` handle for a ZipVoice or Pocket-TTS model
/// and runs generations on it with progress and cancellation through sherpa-onnx's callback.
///
/// Calls block: use it from one serial `BlockingExecutor` only. The handle is destroyed
/// when this object is released. UNVERIFIED HERE beyond rejection of unusable files: no
/// weights exist on the build machine.
final class ZeroShotNativeTTS: @unchecked Sendable {
    // @unchecked Sendable: the handle is immutable after init and every call into it runs
    // on the owning synthesizer's serial executor.
    private let handle: OpaquePointer
    /// Output sample rate the model reports.
    let sampleRate: Int
    private let modelID: String

    /// Creates the native engine. sherpa-onnx 2.0.1 catches its own loading errors (a file
    /// that is not ONNX, missing tensors…) and returns NULL, which becomes
    /// `ModelError.loadFailed`; run `ZeroShotModelConfiguration.preflight()` first for the
    /// cases it does not catch.
    init(configuration: ZeroShotModelConfiguration) throws {
        modelID = configuration.modelID
        let created = try configuration.withNativeConfig { config in SherpaOnnxCreateOfflineTts(&config) }
        guard let created else {
            throw ModelError.loadFailed(
                model: configuration.modelID,
                reason: "sherpa-onnx rejected its \(configuration.family.rawValue) files (its reason is on standard error); check they come from the same published model pack")
        }
        let rate = Int(SherpaOnnxOfflineTtsSampleRate(created))
        guard rate > 0 else {
            SherpaOnnxDestroyOfflineTts(created)
            throw ModelError.loadFailed(model: configuration.modelID, reason: "sherpa-onnx reports a sample rate of \(rate) Hz")
        }
        handle = created
        sampleRate = rate
    }

    deinit {
        SherpaOnnxDestroyOfflineTts(handle)
    }

    /// Generates audio for `text` with `config` (whose pointers must stay valid for the call).
    ///
    /// `progress` receives sherpa-onnx's fraction (0…1) from its callback, on the calling
    /// thread. Returns nil when `flag` was raised (the callback then asks sherpa-onnx to
    /// stop); throws `EngineError.generationFailed` when sherpa-onnx returns no audio.
    func generate(text: String, config: inout SherpaOnnxGenerationConfig, flag: CancellationFlag,
                  progress: @escaping @Sendable (Double) -> Void) throws -> AudioBuffer? {
        let box = Unmanaged.passRetained(CallbackBox(flag: flag, progress: progress))
        defer { box.release() }
        let audio = text.withCString { cText in
            SherpaOnnxOfflineTtsGenerateWithConfig(handle, cText, &config, { _, _, fraction, arg in
                guard let arg else { return 1 }
                let box = Unmanaged<CallbackBox>.fromOpaque(arg).takeUnretainedValue()
                box.progress(Double(fraction))
                return box.flag.isCancelled ? 0 : 1
            }, box.toOpaque())
        }
        if flag.isCancelled {
            if let audio { SherpaOnnxDestroyOfflineTtsGeneratedAudio(audio) }
            return nil
        }
        guard let audio else {
            throw EngineError.generationFailed(engine: modelID, reason: "sherpa-onnx returned no audio (its reason is on standard error)")
        }
        defer { SherpaOnnxDestroyOfflineTtsGeneratedAudio(audio) }
        let count = Int(max(audio.pointee.n, 0))
        let samples = count > 0 && audio.pointee.samples != nil
            ? Array(UnsafeBufferPointer(start: audio.pointee.samples, count: count)) : []
        let rate = Int(audio.pointee.sample_rate)
        return AudioBuffer(samples: samples, sampleRate: rate > 0 ? rate : sampleRate)
    }

    /// What the C callback reaches through its `arg` pointer.
    private final class CallbackBox {
        let flag: CancellationFlag
        let progress: @Sendable (Double) -> Void

        init(flag: CancellationFlag, progress: @escaping @Sendable (Double) -> Void) {
            self.flag = flag
            self.progress = progress
        }
    }
}
