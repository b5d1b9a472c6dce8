/// What one sherpa-onnx decoding call produced for one window of audio, copied out of
/// the C result.
struct SherpaDecodedWindow: Equatable {
    /// Where the window starts in the whole clip, seconds.
    var offset: Double
    /// The window's length, seconds.
    var duration: Double
    /// Recognised text.
    var text: String
    /// sherpa-onnx's language label (Whisper: `en`; SenseVoice: `<|en|>`), empty if none.
    var language: String = ""
    /// Token start times within the window, seconds (SenseVoice), or empty.
    var timestamps: [Float] = []
    /// Token log-probabilities, or empty (none of the three families reports them).
    var logProbabilities: [Float] = []
    /// Segment-level start, duration and text (Whisper segment mode, not enabled), or empty.
    var segments: [Segment] = []

    /// One segment of a window.
    struct Segment: Equatable {
        var start: Float
        var duration: Float
        var text: String
    }
}
