/// Which engine implementation a model manifest is for.
public enum EngineKind: String, Sendable, Codable, CaseIterable {
    /// Piper/VITS voice through the sherpa-onnx C API, phonemes from espeak-ng.
    case piper
    /// espeak-ng formant synthesis (no model files; any espeak language).
    case espeak
    /// ZipVoice zero-shot cloning model through sherpa-onnx.
    case zipvoice
    /// Pocket-TTS zero-shot cloning model through sherpa-onnx.
    case pocket
    /// The real GLM-TTS model (PyTorch, NVIDIA GPU) in the out-of-process worker.
    case glmtts
    /// Whisper in CTranslate2 format, run by the faster-whisper worker.
    case fasterWhisper = "faster-whisper"
    /// Silero voice activity detector (ONNX) through sherpa-onnx.
    case sileroVAD = "silero-vad"

    /// Whether manifests of this kind describe a speech synthesizer.
    public var isSynthesizer: Bool {
        switch self {
        case .piper, .espeak, .zipvoice, .pocket, .glmtts: return true
        case .fasterWhisper, .sileroVAD: return false
        }
    }
}
