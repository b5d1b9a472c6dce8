import CEspeakNG
import Foundation

/// The process-wide espeak-ng library, behind one lock.
///
/// espeak-ng keeps all of its state in globals (selected voice, synthesis parameters,
/// callback) and is not thread-safe, so every call into it — phonemization for Piper and
/// formant synthesis alike — goes through `withLock`. This is the one deliberate
/// singleton in the project: it mirrors the C library's own global state.
public final class EspeakRuntime: @unchecked Sendable {
    // @unchecked Sendable: all mutable state (`sampleRate` and espeak's globals) is only
    // touched while `lock` is held.

    /// The shared runtime.
    public static let shared = EspeakRuntime()

    private let lock = NSLock()
    private var sampleRate: Int?

    private init() {}

    /// Runs `body` while holding the espeak lock, initialising espeak-ng on first use.
    /// `body` receives the library's output sample rate.
    public func withLock<T>(_ body: (Int) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let rate = try initializedSampleRate()
        return try body(rate)
    }

    /// Selects `voice` (an espeak voice name such as `en-us` or `cmn`); call inside `withLock`.
    func selectVoice(_ voice: String) throws {
        guard espeak_SetVoiceByName(voice) == EE_OK else {
            throw EspeakError.unknownVoice(voice)
        }
    }

    private func initializedSampleRate() throws -> Int {
        if let sampleRate { return sampleRate }
        // DONT_EXIT: espeak-ng otherwise calls exit() when its data is missing.
        let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, Int32(espeakINITIALIZE_DONT_EXIT))
        guard rate > 0 else { throw EspeakError.initializationFailed }
        sampleRate = Int(rate)
        return Int(rate)
    }
}
