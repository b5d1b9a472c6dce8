import Foundation

/// Audio inside worker messages: `{"encoding": "pcm_s16le"|"pcm_f32le", "sample_rate",
/// "channels": 1, "data": base64}` (docs/WORKERS.md).
public enum WorkerAudio {
    /// `audio` as a 16-bit PCM message object (samples clipped to [-1, 1]).
    public static func encode(_ audio: AudioBuffer) -> JSONValue {
        var data = Data(capacity: audio.samples.count * 2)
        for sample in audio.samples {
            let clipped = sample.isFinite ? min(max(sample, -1), 1) : 0
            withUnsafeBytes(of: Int16((clipped * 32767).rounded()).littleEndian) { data.append(contentsOf: $0) }
        }
        return .object([
            "encoding": .string("pcm_s16le"), "sample_rate": .number(Double(audio.sampleRate)),
            "channels": .number(1), "data": .string(data.base64EncodedString()),
        ])
    }

    /// Decodes a message audio object; nil when it is malformed.
    public static func decode(_ value: JSONValue?) -> AudioBuffer? {
        guard let value, let rate = value["sample_rate"]?.intValue, AudioLimits.sampleRates.contains(rate),
            (value["channels"]?.intValue ?? 1) == 1,
            let base64 = value["data"]?.stringValue, let data = Data(base64Encoded: base64)
        else { return nil }
        switch value["encoding"]?.stringValue {
        case "pcm_s16le":
            guard data.count % 2 == 0 else { return nil }
            let samples = data.withUnsafeBytes { raw in
                (0..<data.count / 2).map { Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) / 32768 }
            }
            return AudioBuffer(samples: samples, sampleRate: rate)
        case "pcm_f32le":
            guard data.count % 4 == 0 else { return nil }
            let samples = data.withUnsafeBytes { raw in
                (0..<data.count / 4).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            }
            guard samples.allSatisfy(\.isFinite) else { return nil }
            return AudioBuffer(samples: samples, sampleRate: rate)
        default:
            return nil
        }
    }
}
