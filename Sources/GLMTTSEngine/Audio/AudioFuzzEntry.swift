import CSndFile
import Foundation

/// The one entry point of the `audio` fuzz target (`scripts/fuzz audio`, built only with
/// `GLMTTS_FUZZ=1`) and of the corpus replay test (`FuzzCorpusReplayTests`): arbitrary bytes
/// go through everything that parses uploaded audio in-process, and every contract is
/// checked with a `precondition`, so a violation is a crash the fuzzer reports.
///
/// What runs on every input:
/// - `AudioContainer.sniff` (deterministic, and it judges by the first 512 bytes only);
/// - `WAVFormatChunk` (the `fmt ` walk used when libsndfile refuses a WAV);
/// - `AudioDecoder.decode` with ``limits`` whenever it stays in-process: unknown bytes
///   (refused at once) and WAV/FLAC/Ogg/MP3 that libsndfile opens. It must return audio
///   within the limits (finite samples in ±1, plausible rate and channels, no more than
///   `maxDuration` seconds) or throw an `AudioError` for bad input — nothing else;
/// - `AUStreamDownmixer`, the parser of the AU stream ffmpeg writes, fed the same bytes in
///   uneven chunks (it must stay bounded and only throw `AudioError`).
///
/// What does not run: the ffmpeg process. M4A/AAC/WebM, and the WAV/FLAC/Ogg/MP3 bytes that
/// libsndfile refuses, are decoded by spawning `ffmpeg` (one process per input, far too
/// slow for coverage-guided fuzzing, and ffmpeg is fuzzed by OSS-Fuzz). Those inputs are
/// reported as ``Outcome/skippedFFmpeg(_:)``; our side of that path — the bytes ffmpeg
/// hands back — is covered by the `AUStreamDownmixer` step above, and the arguments that
/// pin ffmpeg's demuxer are tested in the HTTP hostile-media tests.
package enum AudioFuzzEntry {
    /// The limits the fuzzer decodes with: smaller than the server's, so that a tiny input
    /// that expands to the whole allowed duration is still fast (the amplification itself
    /// is measured separately, see docs/FUZZING.md).
    package static let limits = AudioLimits(maxBytes: 1 << 20, maxDuration: 30)

    /// What one input did.
    package enum Outcome: Equatable, Sendable {
        /// Decoded in-process into this many mono frames.
        case decoded(AudioContainer, frames: Int)
        /// Refused with this error.
        case refused(AudioError)
        /// Would have been handed to ffmpeg (not run by the fuzzer).
        case skippedFFmpeg(AudioContainer)
    }

    /// Runs `data` through the in-process audio parsers; traps on a broken contract.
    @discardableResult
    package static func run(_ data: Data) -> Outcome {
        let container = AudioContainer.sniff(data)
        precondition(container == AudioContainer.sniff(data.prefix(512)), "sniff looked past the first 512 bytes")
        _ = WAVFormatChunk(data)
        downmixAU(data)

        if let container {
            guard container.decodedInProcess else { return .skippedFFmpeg(container) }
            // The decoder hands what libsndfile refuses to ffmpeg: only decode what it opens.
            guard !data.isEmpty, data.count <= limits.maxBytes, sndFileOpens(data) else { return .skippedFFmpeg(container) }
        }
        do {
            let decoded = try AudioDecoder.decode(data, limits: limits)
            check(decoded, container: container)
            return .decoded(decoded.container, frames: decoded.audio.samples.count)
        } catch let error as AudioError {
            precondition(error.category == .invalidInput, "bad input gave a non-client error: \(error.code) \(error.message)")
            return .refused(error)
        } catch {
            preconditionFailure("AudioDecoder.decode threw a non-AudioError: \(String(reflecting: error))")
        }
    }

    private static func check(_ decoded: DecodedAudio, container: AudioContainer?) {
        let audio = decoded.audio
        precondition(decoded.container == container, "decoded as \(decoded.container), sniffed as \(String(describing: container))")
        precondition(AudioLimits.sampleRates.contains(audio.sampleRate), "sample rate \(audio.sampleRate)")
        precondition(decoded.sourceSampleRate == audio.sampleRate)
        precondition(AudioLimits.channelCounts.contains(decoded.sourceChannels), "channels \(decoded.sourceChannels)")
        precondition(!audio.samples.isEmpty, "decoded audio without samples")
        precondition(
            Double(audio.samples.count) <= limits.maxDuration * Double(audio.sampleRate) + 1,
            "\(audio.samples.count) frames at \(audio.sampleRate) Hz exceed \(limits.maxDuration) s")
        for sample in audio.samples {
            precondition(sample.isFinite && abs(sample) <= 1, "sample \(sample) outside ±1")
        }
    }

    /// Whether libsndfile opens `data` (then `AudioDecoder` decodes it without ffmpeg).
    private static func sndFileOpens(_ data: Data) -> Bool {
        let memory = SndFileMemory(bytes: [UInt8](data))
        var io = SndFileMemory.callbacks
        var info = SF_INFO()
        return withExtendedLifetime(memory) {
            guard let file = sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(memory).toOpaque()) else {
                return false
            }
            sf_close(file)
            return true
        }
    }

    /// Feeds `data` to the AU stream parser in chunks whose sizes come from the data.
    private static func downmixAU(_ data: Data) {
        var stream = AUStreamDownmixer(format: "fuzz", maxDuration: limits.maxDuration)
        var offset = data.startIndex
        var step = 1
        do {
            while offset < data.endIndex {
                step = (step * 31 + Int(data[offset])) % 97 + 1
                let end = min(offset + step, data.endIndex)
                try stream.consume(data[offset..<end])
                offset = end
                precondition(
                    Double(stream.mono.count) <= limits.maxDuration * Double(max(stream.sampleRate, 1)) + 1,
                    "AU stream kept \(stream.mono.count) frames past the limit")
            }
            try stream.finish()  // NaN/Inf samples are refused later, by DecodedAudio.checked
        } catch let error as AudioError {
            precondition(error.category == .invalidInput, "AU stream: non-client error \(error.code)")
        } catch {
            preconditionFailure("AUStreamDownmixer threw a non-AudioError: \(String(reflecting: error))")
        }
    }
}
