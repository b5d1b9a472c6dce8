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
    /// Kokoro-82M v1.0 (ONNX) in the Kokoro worker: Mandarin, Japanese and English front ends.
    case kokoro
    /// The real GLM-TTS model (PyTorch, NVIDIA GPU) in the out-of-process worker.
    case glmtts
    /// Whisper in CTranslate2 format, run by the faster-whisper worker.
    case fasterWhisper = "faster-whisper"
    /// Silero voice activity detector (ONNX) through sherpa-onnx.
    case sileroVAD = "silero-vad"
    /// A speaker encoder (GE2E, Resemblyzer's weights) in the speaker worker: voice embeddings
    /// for speaker similarity and voice matching.
    case speakerEmbedding = "speaker-embedding"
    /// Whisper exported to ONNX by sherpa-onnx, run in-process through its C API
    /// (`SherpaOfflineRecognizer`; unverified here, see docs/RECOGNIZERS.md).
    case sherpaWhisper = "sherpa-whisper"
    /// SenseVoice (zh/en/ja/ko/yue, language identification) through sherpa-onnx, in-process
    /// (`SherpaOfflineRecognizer`; unverified here, see docs/RECOGNIZERS.md).
    case senseVoice = "sense-voice"
    /// Moonshine (v1: preprocessor, encoder, two decoders) through sherpa-onnx, in-process
    /// (`SherpaOfflineRecognizer`; unverified here, see docs/RECOGNIZERS.md).
    case moonshine

    /// Whether manifests of this kind describe a speech synthesizer.
    public var isSynthesizer: Bool {
        switch self {
        case .piper, .espeak, .zipvoice, .pocket, .glmtts, .kokoro: return true
        case .fasterWhisper, .sileroVAD, .speakerEmbedding, .sherpaWhisper, .senseVoice, .moonshine: return false
        }
    }

    /// Whether manifests of this kind describe a speech recognizer (speech to text).
    public var isRecognizer: Bool {
        switch self {
        case .fasterWhisper, .sherpaWhisper, .senseVoice, .moonshine: return true
        case .piper, .espeak, .zipvoice, .pocket, .glmtts, .kokoro, .sileroVAD, .speakerEmbedding: return false
        }
    }

    /// The synthesis parameters engines of this kind honour (empty for non-synthesizers).
    /// The engines report exactly these in their capabilities, so the API can describe an
    /// engine before it is loaded.
    public var honouredParameters: Set<SynthesisParameter> {
        switch self {
        case .piper: return [.temperature, .speed]
        case .espeak, .kokoro: return [.speed]
        case .glmtts: return [.temperature, .topP, .topK, .samplingStrategy, .seed]
        case .zipvoice, .pocket: return ZeroShotFamily(engine: self)?.honouredParameters ?? []
        case .fasterWhisper, .sileroVAD, .speakerEmbedding, .sherpaWhisper, .senseVoice, .moonshine: return []
        }
    }
}
