import Foundation
import GLMTTSEngine
import GLMTTSServer

/// Writes speech to standard output sentence by sentence, as the engine makes it, for
/// `glmtts synth -o - --format wav|pcm` (a pipe into a player, say).
///
/// `pcm` is 16-bit little-endian mono at the voice's rate; `wav` is the same after a header
/// whose sizes say "unknown" (players and ffmpeg read to the end). Loudness normalisation
/// needs the level of the speech before the first byte goes out, so chunks are held until
/// `measureSeconds` of audio (or the end) is there; the gain measured on that opening is then
/// applied to everything, with the peak limiter per chunk. The whole-file path measures the
/// whole text instead, so the two outputs' levels can differ by a fraction of a dB.
final class StandardOutputStream: @unchecked Sendable {
    // @unchecked Sendable: every stored property is guarded by `lock`.
    /// Audio held back to measure the opening's loudness.
    static let measureSeconds = 3.0

    private let format: OutputFormat
    private let normalize: Bool
    private let lock = NSLock()
    private var held: [AudioBuffer] = []
    private var gain: Float?
    private var wroteHeader = false
    private var failure: Error?

    /// Formats that can be streamed; others are written whole at the end.
    static func streams(_ format: OutputFormat) -> Bool { format == .wav || format == .pcm }

    init(format: OutputFormat, normalize: Bool) {
        self.format = format
        self.normalize = normalize
        if !normalize { gain = 1 }
    }

    /// Takes one chunk of engine audio (called in the text's order).
    func write(_ chunk: AudioBuffer) {
        lock.withLock {
            guard failure == nil, !chunk.samples.isEmpty else { return }
            if let gain { return emit(chunk, gain: gain) }
            held.append(chunk)
            let seconds = held.reduce(0) { $0 + $1.duration }
            if seconds >= Self.measureSeconds { releaseHeld() }
        }
    }

    /// Writes what is still held; throws the first write error.
    func finish() throws {
        try lock.withLock {
            if gain == nil { releaseHeld() }
            if let failure { throw failure }
        }
    }

    private func releaseHeld() {
        var opening = AudioBuffer(samples: [], sampleRate: held.first?.sampleRate ?? 0)
        for chunk in held { opening.append(chunk) }
        let measured = LoudnessMeter.integratedLoudness(opening)
        let decibels = measured.map { min(-16 - $0, LoudnessNormalizer.maxGainDB) } ?? 0
        let chosen = Float(pow(10, decibels / 20))
        gain = chosen
        let chunks = held
        held.removeAll()
        for chunk in chunks { emit(chunk, gain: chosen) }
    }

    private func emit(_ chunk: AudioBuffer, gain: Float) {
        var audio = chunk
        if normalize {
            audio.samples = PeakLimiter.limit(chunk.samples, gain: gain, sampleRate: chunk.sampleRate, ceiling: Float(pow(10, -1.0 / 20)))
        }
        do {
            var data = Data()
            if format == .wav && !wroteHeader {
                data.append(SpeechStreamEncoder.streamingWAVHeader(sampleRate: audio.sampleRate))
                wroteHeader = true
            }
            data.append(try AudioEncoder.encode(audio, as: .pcm))
            try FileHandle.standardOutput.write(contentsOf: data)
        } catch {
            failure = CLIError.cannotWrite(path: "standard output", reason: error.localizedDescription)
        }
    }
}
