import GLMTTSEngine

/// The concurrency lane (device pool) a job needs a slot in. Each lane has its own number
/// of slots (`JobSchedulerConfiguration.slots`); jobs in different lanes never wait for
/// each other.
public struct JobLane: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The lane's name as stored with the job, e.g. `cpu`.
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// In-process synthesis on the CPU (Piper, Kokoro, espeak-ng, ZipVoice, Pocket-TTS).
    public static let cpu: JobLane = "cpu"
    /// Speech recognition (transcription jobs).
    public static let asr: JobLane = "asr"
    /// Synthesis on GPU workers (GLM-TTS).
    public static let gpu: JobLane = "gpu"

    /// The lane of a synthesis on `engine`: GPU engines share the GPU lane, everything
    /// else runs on the CPU lane.
    public static func synthesis(on engine: EngineKind?) -> JobLane {
        engine == .glmtts ? .gpu : .cpu
    }

    public static func < (lhs: JobLane, rhs: JobLane) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
