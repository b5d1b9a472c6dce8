/// Something about a reference clip the user should know: a stable code and a
/// plain-language message that says what to do.
///
/// `code` is a plain string (so it encodes as one and compares with string literals); every
/// warning this project raises uses a `Code` raw value.
public struct ReferenceWarning: Sendable, Codable, Equatable {
    /// Stable identifiers of warnings; encoded as their raw strings (`reference.short`, …).
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// No speech was found at all.
        case noSpeech = "reference.no_speech"
        /// Less speech than recommended (`ReferencePreparer.recommended`) in the used window.
        case short = "reference.short"
        /// The speech spans more than `ReferencePreparer.maxWindow`; only the best window is used.
        case long = "reference.long"
        /// More clipped samples than `ReferencePreparer.clippingWarning`.
        case clipping = "reference.clipping"
        /// Speech RMS below `ReferencePreparer.lowLevelWarning`.
        case quiet = "reference.quiet"
        /// Estimated SNR below `ReferencePreparer.noiseWarning`.
        case noisy = "reference.noisy"
        /// Speech was found by signal energy because no Silero VAD model was available.
        case energyDetector = "reference.energy_detector"
    }

    /// Stable identifier, one of `Code`'s raw values; scripts and the UI may rely on it.
    public var code: String
    /// Plain-language explanation with the fix.
    public var message: String

    /// A warning with `code` and `message`.
    public init(code: Code, message: String) {
        self.code = code.rawValue
        self.message = message
    }
}
