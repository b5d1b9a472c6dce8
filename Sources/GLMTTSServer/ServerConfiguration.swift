package import Foundation
package import GLMTTSCore

/// Settings of the HTTP service. Defaults are safe: loopback only, limits on.
///
/// `fromEnvironment` reads `GLMTTS_*` variables (documented in README and
/// `docs/API.md`); the `glmtts serve` flags override them.
package struct ServerConfiguration: Sendable, Equatable {
    /// Address to bind (default 127.0.0.1: loopback only).
    package var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (tests).
    package var port = 8080
    /// Data directory (database, uploads, outputs, voices, models).
    package var dataDirectory: DataDirectory
    /// Largest request body accepted, bytes (enforced while the body streams in).
    package var maxUploadBytes = 25 << 20
    /// Limits on text.
    package var textLimits = TextLimits.default
    /// Longest reference or transcription clip, seconds.
    package var maxAudioSeconds = 600.0
    /// Jobs that may wait; more get 429.
    package var maxQueuedJobs = 100
    /// Concurrent jobs per lane (`cpu` in-process engines, `asr` recognizer, `gpu` GPU workers).
    package var laneSlots: [String: Int] = ["cpu": 1, "asr": 1, "gpu": 1]
    /// Starts allowed per job before a retryable failure is final.
    package var maxAttempts = 3
    /// Most texts in one batch.
    package var maxBatchTexts = 100
    /// Finished jobs, their files and uploads are deleted after this many seconds (0 keeps them).
    package var retentionSeconds: Double = 24 * 3600
    /// Origins allowed by CORS; `["*"]` allows any origin without credentials (fine for
    /// bearer-token APIs); empty sends no CORS headers.
    package var corsAllowedOrigins = ["*"]
    /// Longest a synchronous request waits for its job before answering 503 with the progress URL, seconds.
    package var synchronousWaitSeconds = 600.0
    /// Seconds between SSE keep-alive comments.
    package var keepAliveSeconds = 15.0

    package init(dataDirectory: DataDirectory) {
        self.dataDirectory = dataDirectory
    }

    /// Audio limits derived from the settings.
    package var audioLimits: AudioLimits { AudioLimits(maxBytes: maxUploadBytes, maxDuration: maxAudioSeconds) }

    /// Settings from `GLMTTS_*` environment variables over the defaults. Throws a
    /// `ConfigurationError` naming the variable when a value is malformed.
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        var config = ServerConfiguration(dataDirectory: .fromEnvironment(environment))
        let reader = EnvironmentReader(environment: environment)
        if let host = reader.string("GLMTTS_HOST") { config.host = host }
        config.port = try reader.integer("GLMTTS_PORT", in: 0...65_535) ?? config.port
        if let megabytes = try reader.double("GLMTTS_MAX_UPLOAD_MB", in: 0.001...4096) {
            config.maxUploadBytes = Int(megabytes * 1_048_576)
        }
        if let characters = try reader.integer("GLMTTS_MAX_TEXT_CHARS", in: 1...1_000_000) {
            config.textLimits.maxCharacters = characters
        }
        config.maxAudioSeconds = try reader.double("GLMTTS_MAX_AUDIO_SECONDS", in: 1...86_400) ?? config.maxAudioSeconds
        config.maxQueuedJobs = try reader.integer("GLMTTS_MAX_QUEUED_JOBS", in: 1...1_000_000) ?? config.maxQueuedJobs
        config.laneSlots["cpu"] = try reader.integer("GLMTTS_CPU_SLOTS", in: 1...256) ?? config.laneSlots["cpu"]
        config.laneSlots["asr"] = try reader.integer("GLMTTS_ASR_SLOTS", in: 1...256) ?? config.laneSlots["asr"]
        config.laneSlots["gpu"] = try reader.integer("GLMTTS_GPU_SLOTS", in: 1...256) ?? config.laneSlots["gpu"]
        config.maxAttempts = try reader.integer("GLMTTS_MAX_ATTEMPTS", in: 1...20) ?? config.maxAttempts
        config.synchronousWaitSeconds = try reader.double("GLMTTS_SYNC_WAIT_SECONDS", in: 1...86_400) ?? config.synchronousWaitSeconds
        config.retentionSeconds = try reader.double("GLMTTS_RETENTION_HOURS", in: 0...87_600).map { $0 * 3600 } ?? config.retentionSeconds
        if let origins = reader.string("GLMTTS_CORS_ORIGINS") {
            config.corsAllowedOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return config
    }
}
