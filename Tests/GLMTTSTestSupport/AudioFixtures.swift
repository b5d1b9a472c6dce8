import Foundation

@testable import GLMTTSEngine

/// Audio made at test time (nothing binary is committed).
public enum AudioFixtures {
    /// A sine tone.
    public static func sine(frequency: Double = 440, seconds: Double = 1.5, sampleRate: Int = 22050, amplitude: Float = 0.5) -> AudioBuffer
    {
        let count = Int(seconds * Double(sampleRate))
        let samples = (0..<count).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
        return AudioBuffer(samples: samples, sampleRate: sampleRate)
    }

    /// A canonical 16-bit PCM WAV header followed by `dataBytes`, with every field overridable
    /// so tests can lie in it.
    /// `formatTag` 1 is integer PCM, 3 IEEE float (then use `bitsPerSample: 32`).
    public static func wavHeader(
        sampleRate: UInt32 = 22050, channels: UInt16 = 1, declaredDataBytes: UInt32, riffSize: UInt32? = nil,
        formatTag: UInt16 = 1, bitsPerSample: UInt16 = 16
    ) -> Data {
        var data = Data()
        func le<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let blockAlign = channels &* (bitsPerSample / 8)
        data.append(contentsOf: Array("RIFF".utf8))
        le(riffSize ?? (36 &+ declaredDataBytes))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16))
        le(formatTag)
        le(channels)
        le(sampleRate)
        le(sampleRate &* UInt32(blockAlign))
        le(blockAlign)
        le(bitsPerSample)
        data.append(contentsOf: Array("data".utf8))
        le(declaredDataBytes)
        return data
    }

    /// A 16-bit PCM WAV with `left` in the first channel and silence in the second.
    public static func stereoWAV(left: AudioBuffer) -> Data {
        var data = wavHeader(sampleRate: UInt32(left.sampleRate), channels: 2, declaredDataBytes: UInt32(left.samples.count * 4))
        for sample in left.samples {
            withUnsafeBytes(of: Int16(sample * 32767).littleEndian) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: Int16(0).littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The top-level box types of an MP4 file, in order.
    public static func mp4TopLevelBoxes(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var boxes: [String] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            let size = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            boxes.append(String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self))
            guard size >= 8 else { break }
            offset += size
        }
        return boxes
    }

    /// Runs ffmpeg with `input` arguments (e.g. a lavfi source) and returns what it wrote.
    public static func ffmpegGenerate(_ arguments: [String]) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.bin")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-hide_banner", "-loglevel", "error", "-y"] + arguments + [output.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError.ffmpegFailed(arguments) }
        return try Data(contentsOf: output)
    }

    /// Runs ffmpeg to convert WAV bytes into another container (for m4a / webm fixtures).
    public static func ffmpegConvert(_ wav: Data, arguments: [String]) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.wav")
        let output = folder.appendingPathComponent("out.bin")
        try wav.write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-hide_banner", "-loglevel", "error", "-y", "-i", input.path] + arguments + [output.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError.ffmpegFailed(arguments) }
        return try Data(contentsOf: output)
    }

    /// Counts sign changes with a small hysteresis (so codec noise near zero does not count),
    /// to estimate a tone's frequency.
    public static func zeroCrossings(_ samples: [Float], hysteresis: Float = 0.05) -> Int {
        var crossings = 0
        var positive: Bool?
        for sample in samples {
            if sample > hysteresis, positive != true {
                if positive != nil { crossings += 1 }
                positive = true
            }
            if sample < -hysteresis, positive != false {
                if positive != nil { crossings += 1 }
                positive = false
            }
        }
        return crossings
    }

    /// A fixture could not be produced.
    public enum FixtureError: Error {
        case ffmpegFailed([String])
    }
}
