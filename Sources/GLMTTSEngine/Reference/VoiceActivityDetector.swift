import CSherpaOnnx
import Foundation

/// Finds speech with Silero VAD through the sherpa-onnx C API.
///
/// Audio is resampled to 16 kHz and fed in 512-sample windows; the detector is reset before
/// every call, so results never depend on earlier calls. Calls block (about 1–2 % of real
/// time on one core): run them from a `BlockingExecutor`.
///
/// Thread safety: the native handle is only touched while `lock` is held, so one detector
/// can be shared by any number of threads; concurrent calls are serialised.
public final class VoiceActivityDetector: @unchecked Sendable {
    // @unchecked Sendable: `handle` is created in init, destroyed in deinit, and used in
    // between only inside `lock`; no other mutable state exists.
    private let handle: OpaquePointer
    private let lock = NSLock()

    /// Sample rate the model works at (Silero's 16 kHz variant).
    public static let sampleRate = 16_000
    /// Samples per model window at 16 kHz (the only size sherpa-onnx allows for Silero v5).
    public static let windowSize = 512
    /// Speech probability above which a window counts as speech.
    public static let threshold: Float = 0.5
    /// Silence that must follow speech before a segment is closed, in seconds.
    public static let minSilenceDuration: Float = 0.25
    /// Shorter bursts of speech are dropped, in seconds.
    public static let minSpeechDuration: Float = 0.25
    /// Longer speech is split (sherpa raises the threshold to force a break), in seconds.
    public static let maxSpeechDuration: Float = 20

    /// Loads the Silero model at `modelURL` (`silero_vad.onnx`, v4 or v5/v6 layout).
    ///
    /// Throws `ReferenceError.vadUnavailable` when the file is missing, is not a Silero model
    /// sherpa-onnx can run (checked before sherpa sees it, because sherpa would end the
    /// process), or fails to load.
    public init(modelURL: URL) throws {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            throw ReferenceError.vadUnavailable(reason: "the model file \(modelURL.path) is missing")
        }
        try SileroModelCheck.validate(modelURL)
        let pool = CStringPool()
        var config = SherpaOnnxVadModelConfig()
        config.silero_vad.model = pool.string(modelURL.path)
        config.silero_vad.threshold = Self.threshold
        config.silero_vad.min_silence_duration = Self.minSilenceDuration
        config.silero_vad.min_speech_duration = Self.minSpeechDuration
        config.silero_vad.max_speech_duration = Self.maxSpeechDuration
        config.silero_vad.window_size = Int32(Self.windowSize)
        config.ten_vad.model = pool.string("")
        config.sample_rate = Int32(Self.sampleRate)
        config.num_threads = 1
        config.provider = pool.string("cpu")
        config.debug = 0
        // The buffer must hold the longest segment (maxSpeechDuration) plus look-back.
        guard let handle = SherpaOnnxCreateVoiceActivityDetector(&config, 60) else {
            throw ReferenceError.vadUnavailable(reason: "sherpa-onnx could not load \(modelURL.lastPathComponent)")
        }
        self.handle = handle
    }

    /// Loads the first model with engine `silero-vad` installed in `store`.
    ///
    /// Throws `ReferenceError.vadUnavailable` (naming scripts/prepare-models) when none is
    /// installed, and `ModelError` when its manifest names a missing file.
    public convenience init(store: ModelStore) throws {
        try self.init(catalogue: store.scan(), directory: store.directory)
    }

    /// Loads the first model with engine `silero-vad` in `catalogue`, a snapshot of the
    /// models in `directory` (named in the error when there is none).
    public convenience init(catalogue: some ModelCatalogueReading, directory: URL) throws {
        guard let model = catalogue.first(of: .sileroVAD) else {
            throw ReferenceError.vadUnavailable(reason: "no silero-vad model is installed in \(directory.path)")
        }
        try self.init(modelURL: model.fileURL("model"))
    }

    deinit {
        SherpaOnnxDestroyVoiceActivityDetector(handle)
    }

    /// The speech segments of `audio`, sorted, in seconds of the original audio (clamped to
    /// its duration). Empty for empty audio or audio without speech.
    ///
    /// Throws `AudioError.implausibleSampleRate` / `.resamplingFailed` when the audio cannot
    /// be converted to 16 kHz.
    public func speechSegments(in audio: AudioBuffer) throws -> [SpeechSegment] {
        guard !audio.samples.isEmpty else { return [] }
        let resampled = try Resampler.resample(audio, to: Self.sampleRate)
        let duration = audio.duration
        lock.lock()
        defer { lock.unlock() }
        SherpaOnnxVoiceActivityDetectorReset(handle)
        var segments: [SpeechSegment] = []
        func drain() {
            while SherpaOnnxVoiceActivityDetectorEmpty(handle) == 0 {
                if let segment = SherpaOnnxVoiceActivityDetectorFront(handle) {
                    let start = Double(segment.pointee.start) / Double(Self.sampleRate)
                    let end = start + Double(segment.pointee.n) / Double(Self.sampleRate)
                    if start < duration {
                        segments.append(SpeechSegment(start: max(0, start), end: min(end, duration)))
                    }
                    SherpaOnnxDestroySpeechSegment(segment)
                }
                SherpaOnnxVoiceActivityDetectorPop(handle)
            }
        }
        resampled.samples.withUnsafeBufferPointer { samples in
            guard let base = samples.baseAddress else { return }
            var offset = 0
            while offset < samples.count {
                // sherpa buffers partial windows internally; Flush handles the tail.
                let count = min(Self.windowSize, samples.count - offset)
                SherpaOnnxVoiceActivityDetectorAcceptWaveform(handle, base + offset, Int32(count))
                offset += count
                drain()
            }
        }
        SherpaOnnxVoiceActivityDetectorFlush(handle)
        drain()
        SherpaOnnxVoiceActivityDetectorReset(handle)
        return segments.sorted { $0.start < $1.start }
    }
}
