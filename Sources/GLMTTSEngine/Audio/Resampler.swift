import CSoxr
import Foundation

/// Sample-rate conversion with libsoxr.
public enum Resampler {
    /// `audio` converted to `rate` Hz with `quality` (default `.high`).
    ///
    /// Returns the input unchanged when the rate already matches, and an empty buffer at
    /// `rate` for empty input. The duration is preserved (the output has
    /// `round(count × rate / inputRate)` samples, give or take one). Throws
    /// `AudioError.implausibleSampleRate` for a rate outside 4 000–384 000 Hz and
    /// `AudioError.resamplingFailed` if soxr reports an error.
    /// Blocking: call it from a `BlockingExecutor` for long audio.
    public static func resample(_ audio: AudioBuffer, to rate: Int, quality: ResamplerQuality = .high) throws -> AudioBuffer {
        guard rate != audio.sampleRate else { return audio }
        guard AudioLimits.sampleRates.contains(rate) else { throw AudioError.implausibleSampleRate(rate) }
        guard AudioLimits.sampleRates.contains(audio.sampleRate) else { throw AudioError.implausibleSampleRate(audio.sampleRate) }
        guard !audio.samples.isEmpty else { return AudioBuffer(samples: [], sampleRate: rate) }
        let ratio = Double(rate) / Double(audio.sampleRate)
        let capacity = Int((Double(audio.samples.count) * ratio).rounded(.up)) + 16
        var output = [Float](repeating: 0, count: capacity)
        var produced = 0
        var qualitySpec = soxr_quality_spec(quality.soxrRecipe, 0)
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        let error = audio.samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                soxr_oneshot(
                    Double(audio.sampleRate), Double(rate), 1,
                    input.baseAddress, input.count, nil,
                    out.baseAddress, out.count, &produced,
                    &io, &qualitySpec, nil)
            }
        }
        if let error {
            throw AudioError.resamplingFailed(reason: String(cString: error))
        }
        output.removeSubrange(produced...)
        return AudioBuffer(samples: output, sampleRate: rate)
    }
}
