/// Which detector found the speech in a reference clip.
public enum SpeechDetectorKind: String, Sendable, Codable {
    /// Silero VAD through sherpa-onnx (`VoiceActivityDetector`).
    case sileroVAD = "silero-vad"
    /// The energy fallback (`EnergySpeechDetector`), used when no VAD model is available.
    case energy
}
