import CSherpaOnnx
import Foundation

/// Finds speech with Silero VAD through the sherpa-onnx C API.
///
/// Audio is resampled to 16 kHz and fed in 512-sample windows; the detector is reset
/// before every call. Calls block and are serialised by an internal lock, so one detector
/// can be shared; run it from a `BlockingExecutor`.
public final class VoiceActivityDetector: @unchecked Sendable {
    // @unchecked Sendable: the native handle is only used while `lock` is held.
    private let handle: OpaquePointer
    private let lock = NSLock()
    /// Sample rate the model works at.
    public static let sampleRate = 16_000
    private static let windowSize = 512

    /// Loads the Silero model at `modelURL`.
    public init(modelURL: URL) throws {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            throw ReferenceError.vadUnavailable(reason: "the model file is missing")
        }
        let pool = CStringPool()
        var config = SherpaOnnxVadModelConfig()
        config.silero_vad.model = pool.string(modelURL.path)
        config.silero_vad.threshold = 0.5
        config.silero_vad.min_silence_duration = 0.25
        config.silero_vad.min_speech_duration = 0.25
        config.silero_vad.max_speech_duration = 20
        config.silero_vad.window_size = Int32(Self.windowSize)
        config.ten_vad.model = pool.string("")
        config.sample_rate = Int32(Self.sampleRate)
        config.num_threads = 1
        config.provider = pool.string("cpu")
        config.debug = 0
        guard let handle = SherpaOnnxCreateVoiceActivityDetector(&config, 60) else {
            throw ReferenceError.vadUnavailable(reason: "sherpa-onnx could not load the model")
        }
        self.handle = handle
    }

    /// Loads the first Silero VAD model installed in `store`.
    public convenience init(store: ModelStore) throws {
        guard let model = store.scan().models.first(where: { $0.manifest.engine == .sileroVAD }) else {
            throw ReferenceError.vadUnavailable(reason: "no silero-vad model is installed")
        }
        try self.init(modelURL: model.fileURL("model"))
    }

    deinit {
        SherpaOnnxDestroyVoiceActivityDetector(handle)
    }

    /// The speech segments of `audio`, in seconds of the original audio.
    public func speechSegments(in audio: AudioBuffer) throws -> [SpeechSegment] {
        let resampled = try Resampler.resample(audio, to: Self.sampleRate)
        lock.lock()
        defer { lock.unlock() }
        SherpaOnnxVoiceActivityDetectorReset(handle)
        var segments: [SpeechSegment] = []
        func drain() {
            while SherpaOnnxVoiceActivityDetectorEmpty(handle) == 0 {
                if let segment = SherpaOnnxVoiceActivityDetectorFront(handle) {
                    let start = Double(segment.pointee.start) / Double(Self.sampleRate)
                    segments.append(SpeechSegment(start: start, end: start + Double(segment.pointee.n) / Double(Self.sampleRate)))
                    SherpaOnnxDestroySpeechSegment(segment)
                }
                SherpaOnnxVoiceActivityDetectorPop(handle)
            }
        }
        resampled.samples.withUnsafeBufferPointer { samples in
            var offset = 0
            while offset < samples.count {
                let count = min(Self.windowSize, samples.count - offset)
                SherpaOnnxVoiceActivityDetectorAcceptWaveform(handle, samples.baseAddress! + offset, Int32(count))
                offset += count
                drain()
            }
        }
        SherpaOnnxVoiceActivityDetectorFlush(handle)
        drain()
        return segments.sorted { $0.start < $1.start }
    }
}
