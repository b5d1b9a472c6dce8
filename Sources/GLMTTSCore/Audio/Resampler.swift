import CSoxr
import Foundation

/// Sample-rate conversion with libsoxr (high quality).
public enum Resampler {
    /// `audio` at `rate` Hz; the same buffer when the rate already matches.
    /// Blocking: call it from a `BlockingExecutor` for long audio.
    public static func resample(_ audio: AudioBuffer, to rate: Int) throws -> AudioBuffer {
        guard rate != audio.sampleRate else { return audio }
        guard AudioLimits.sampleRates.contains(rate) else { throw AudioError.implausibleSampleRate(rate) }
        guard AudioLimits.sampleRates.contains(audio.sampleRate) else { throw AudioError.implausibleSampleRate(audio.sampleRate) }
        guard !audio.samples.isEmpty else { return AudioBuffer(samples: [], sampleRate: rate) }
        let ratio = Double(rate) / Double(audio.sampleRate)
        let capacity = Int((Double(audio.samples.count) * ratio).rounded(.up)) + 16
        var output = [Float](repeating: 0, count: capacity)
        var produced = 0
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        let error = audio.samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                soxr_oneshot(Double(audio.sampleRate), Double(rate), 1,
                             input.baseAddress, input.count, nil,
                             out.baseAddress, out.count, &produced,
                             &io, &quality, nil)
            }
        }
        if let error {
            throw AudioError.resamplingFailed(reason: String(cString: error))
        }
        output.removeSubrange(produced...)
        return AudioBuffer(samples: output, sampleRate: rate)
    }
}
