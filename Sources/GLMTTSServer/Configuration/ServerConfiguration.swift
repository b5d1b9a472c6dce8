package import Foundation
package import GLMTTSEngine
package import GLMTTSService

/// Settings of the HTTP service. Defaults are safe: loopback only, limits on.
///
/// `load` reads, from lowest to highest precedence: the built-in defaults, a settings file
/// (`GLMTTS_CONFIG` or `glmtts serve --config`), `GLMTTS_*` environment variables (merged by
/// swift-configuration's `ConfigReader`, see `SettingsSource`), and the `glmtts serve`
/// flags (applied by the command). Every setting is listed in `.env.example`.
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
    /// Jobs at once per lane. The CPU lane runs one job per core (at most 4): the in-process
    /// voices share the cores out between them (`InferenceThreads`), so concurrent jobs run in
    /// parallel on one-thread sessions instead of queueing behind one two-thread session.
    package var laneSlots: [JobLane: Int] = [.cpu: InferenceThreads.shared.cores, .asr: 1, .gpu: 1]
    /// Starts allowed per job before a retryable failure is final.
    package var maxAttempts = 3
    /// Most texts in one batch.
    package var maxBatchTexts = 100
    /// Whether requests that do not say are verified (`GLMTTS_VERIFY`, default off).
    package var verifyByDefault = false
    /// Where uploads, results and voice clips are kept (`GLMTTS_BLOBS`).
    package var blobs = BlobStoreSetting.localDisk(folder: nil)
    /// Where jobs, events and saved voices are kept (`GLMTTS_STORE`).
    package var store = JobStoreSetting.sqlite
    /// What this process does among many (`GLMTTS_ROLE`, `glmtts serve --role`).
    package var role = ServerRole.all
    /// This node's name in the leases of a shared store (`GLMTTS_NODE_NAME`; default
    /// host name and process id). A restarted node with the same name takes back its own
    /// interrupted runs at once; others wait for their leases to expire. Unique per node.
    package var nodeName: String?
    /// How long a run's lease in a shared store lasts without a heartbeat, seconds
    /// (`GLMTTS_LEASE_SECONDS`): how soon the runs of a dead node are rescued.
    package var leaseSeconds = 15.0
    /// How often a node of a shared store polls it while the store's notifications reach it,
    /// seconds (`GLMTTS_POLL_SECONDS`; a safety net, as notifications wake it at once). While
    /// they do not (`listen=off`, a dropped LISTEN connection) it polls every 0.2 s.
    package var pollSeconds = 2.0
    /// The thresholds of verified speech (`GLMTTS_VERIFY_MAX_ATTEMPTS`, `GLMTTS_VERIFY_MAX_ERROR_RATE`).
    package var verification = VerificationThresholds()
    /// Finished jobs, their files and uploads are deleted after this many seconds (0 keeps them).
    package var retentionSeconds: Double = 24 * 3600
    /// Origins allowed by CORS; `["*"]` allows any origin without credentials (fine for
    /// bearer-token APIs); empty sends no CORS headers.
    package var corsAllowedOrigins = ["*"]
    /// Longest a synchronous request waits for its job before answering 503 with the progress URL, seconds.
    package var synchronousWaitSeconds = 600.0
    /// Seconds between SSE keep-alive comments.
    package var keepAliveSeconds = 15.0
    /// Whether requests need API keys (`auto`: only when not bound to loopback).
    package var accessMode = AccessMode.auto
    /// Requests per minute per key (per client address in open mode); 0: unlimited.
    package var rateLimitPerMinute = 300
    /// Characters synthesised per key and UTC day; 0: unlimited.
    package var quotaCharactersPerDay = 1_000_000
    /// Requests one client may have in progress at once; more get 429.
    package var maxConcurrentPerClient = 16
    /// Streams (SSE progress, streamed speech) one client may have open at once, counted
    /// until each stream ends; more get 429.
    package var maxStreamsPerClient = 16
    /// Most events or audio chunks a stream may have waiting for a slow reader; a reader
    /// that falls this far behind is disconnected (an SSE client resumes with `Last-Event-ID`).
    package var streamBufferLimit = 256
    /// Log line format.
    package var logFormat = LogFormat.text
    /// Log level (trace, debug, info, notice, warning, error, critical).
    package var logLevel = "info"
    /// Client addresses allowed to read /metrics without an admin key.
    package var metricsAllowedAddresses = ["127.0.0.1", "::1"]
    /// Proxies whose `X-Forwarded-For` is believed for the client address.
    package var trustedProxies: [String] = []
    /// Synthesizers unused this long are unloaded, seconds; 0: never.
    package var modelIdleSeconds = 1800.0
    /// Running jobs get this long to finish at shutdown, seconds; later they are re-queued.
    package var shutdownGraceSeconds = 30.0
    /// Default voices (`GLMTTS_DEFAULT_VOICE`, `GLMTTS_DEFAULT_VOICES`).
    package var voiceDefaults = VoiceDefaults()
    /// The folder holding `workers/`, `.venv/`, `Public/` and `vendor/` (`GLMTTS_ROOT`).
    package var projectRoot = ProjectRoot.locate()
    /// The web UI's files (`GLMTTS_WEB_DIR`, else `<project>/Public`).
    package var webDirectory: URL?
    /// The Swagger UI's files (`GLMTTS_SWAGGER_UI_DIR`, else `<project>/vendor/swagger-ui`).
    package var swaggerUIDirectory: URL?
    /// The catalogue, mirror and archive limits of the admin pull API.
    package var modelPull = ModelPullSettings()
    /// Port of the Wyoming server (Home Assistant); nil: no Wyoming server; 0 picks a free one.
    package var wyomingPort: Int?
    /// Address the Wyoming server binds (default loopback). Wyoming has no keys: off loopback,
    /// `wyomingAllowedClients` must list who may connect.
    package var wyomingHost = "127.0.0.1"
    /// Client addresses the Wyoming server answers; empty: any that reaches `wyomingHost`
    /// (allowed only on loopback).
    package var wyomingAllowedClients: [String] = []
    /// The name the Wyoming server is announced under over mDNS (zeroconf), for Home
    /// Assistant's discovery (`GLMTTS_WYOMING_ZEROCONF`); nil: not announced.
    package var wyomingZeroconfName: String?
    /// The one folder whose files the MCP `transcribe` tool may read by name
    /// (`GLMTTS_MCP_FILES_DIR`, an absolute path); nil: audio only as content.
    package var mcpFilesDirectory: URL?

    /// The largest request body: the largest upload plus room for the other fields (the
    /// longest text, in UTF-8, with margin for a clear "text too long" answer rather than a 413).
    package var maxRequestBodyBytes: Int { maxUploadBytes + max(1 << 20, textLimits.maxCharacters * 4 * 4) }

    /// The engines' share of the settings.
    package var engineSettings: EngineSettings {
        EngineSettings(dataDirectory: dataDirectory, projectRoot: projectRoot, voiceDefaults: voiceDefaults)
    }

    /// Whether the bind address is loopback only.
    package var isLoopbackOnly: Bool { Self.isLoopback(host) }

    /// Whether binding `address` listens on loopback only.
    static func isLoopback(_ address: String) -> Bool {
        ["127.0.0.1", "::1", "localhost"].contains(address) || address.hasPrefix("127.")
    }

    /// Whether requests need API keys, after resolving `auto`.
    package var requiresKeys: Bool {
        switch accessMode {
        case .keys: return true
        case .open: return false
        case .auto: return !isLoopbackOnly
        }
    }

    /// Throws `ConfigurationError.unsafe` for combinations the server refuses: open access
    /// on an address other than loopback, or a Wyoming server (which has no keys) off
    /// loopback without an allow-list.
    package func validate() throws {
        if let name = wyomingZeroconfName {
            if let problem = ZeroconfService.problem(withInstanceName: name) {
                throw ConfigurationError.invalid(name: "GLMTTS_WYOMING_ZEROCONF", value: name, expected: problem)
            }
            guard wyomingPort != nil else {
                throw ConfigurationError.invalid(
                    name: "GLMTTS_WYOMING_ZEROCONF", value: name,
                    expected: "a Wyoming server to announce: set GLMTTS_WYOMING_PORT (or --wyoming-port) too")
            }
            guard !Self.isLoopback(wyomingHost) else {
                throw ConfigurationError.invalid(
                    name: "GLMTTS_WYOMING_ZEROCONF", value: name,
                    expected:
                        "a Wyoming server other devices can reach: it announces to the network, but GLMTTS_WYOMING_HOST is '\(wyomingHost)' (loopback); set it to this machine's LAN address or 0.0.0.0, and GLMTTS_WYOMING_ALLOW to your Home Assistant's address"
                )
            }
        }
        if wyomingPort != nil && !Self.isLoopback(wyomingHost) && wyomingAllowedClients.isEmpty {
            throw ConfigurationError.unsafe(
                reason:
                    "The Wyoming server has no API keys, so on an address other than loopback (GLMTTS_WYOMING_HOST is '\(wyomingHost)') it needs GLMTTS_WYOMING_ALLOW: the addresses that may use it (for example your Home Assistant's)."
            )
        }
        if role != .all, case .sqlite = store {
            throw ConfigurationError.invalid(
                name: "GLMTTS_ROLE", value: role.rawValue,
                expected:
                    "all with the SQLite store: API nodes and workers meet in a shared store, so set GLMTTS_STORE=postgres://… (and GLMTTS_BLOBS=s3://… for files every node can read)"
            )
        }
        if accessMode == .open && !isLoopbackOnly {
            throw ConfigurationError.unsafe(
                reason:
                    "GLMTTS_AUTH=open is only allowed on a loopback address, and GLMTTS_HOST is '\(host)'. Use GLMTTS_AUTH=keys (create a key with `glmtts keys create --name NAME --scope admin`) or bind to 127.0.0.1."
            )
        }
    }

    /// Settings from the defaults, the settings file named by `GLMTTS_CONFIG` (or
    /// `configFile`), then `environment` (see `SettingsSource`). Throws a
    /// `ConfigurationError` naming the setting (and file line) when something is malformed
    /// or unsafe.
    package static func load(
        environment: [String: String] = ProcessEnvironment.variables,
        configFile: URL? = nil
    ) throws -> ServerConfiguration {
        try ServerConfiguration(try SettingsSource.reader(environment: environment, configFile: configFile))
    }

    /// Settings from `environment` alone over the defaults (no settings file).
    package static func fromEnvironment(_ environment: [String: String]) throws -> ServerConfiguration {
        try load(environment: environment.filter { $0.key != "GLMTTS_CONFIG" })
    }

    package init(dataDirectory: DataDirectory) {
        self.dataDirectory = dataDirectory
    }

    /// Audio limits derived from the settings.
    package var audioLimits: AudioLimits { AudioLimits(maxBytes: maxUploadBytes, maxDuration: maxAudioSeconds) }

    /// The settings in `settings` over the defaults. Throws a `ConfigurationError` naming
    /// the setting when a value is malformed, or the combination is unsafe.
    package init(_ settings: SettingsReader) throws {
        let engine = EngineSettings(settings)
        var config = ServerConfiguration(dataDirectory: engine.dataDirectory)
        config.projectRoot = engine.projectRoot
        config.voiceDefaults = engine.voiceDefaults
        let reader = settings
        config.webDirectory = reader.string("GLMTTS_WEB_DIR").map { URL(fileURLWithPath: $0, isDirectory: true) }
        config.swaggerUIDirectory = reader.string("GLMTTS_SWAGGER_UI_DIR").map { URL(fileURLWithPath: $0, isDirectory: true) }
        config.modelPull = try ModelPullSettings(reader)
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
        config.laneSlots[.cpu] = try reader.integer("GLMTTS_CPU_SLOTS", in: 1...256) ?? config.laneSlots[.cpu]
        config.laneSlots[.asr] = try reader.integer("GLMTTS_ASR_SLOTS", in: 1...256) ?? config.laneSlots[.asr]
        config.laneSlots[.gpu] = try reader.integer("GLMTTS_GPU_SLOTS", in: 1...256) ?? config.laneSlots[.gpu]
        config.maxAttempts = try reader.integer("GLMTTS_MAX_ATTEMPTS", in: 1...20) ?? config.maxAttempts
        config.maxBatchTexts = try reader.integer("GLMTTS_MAX_BATCH_TEXTS", in: 1...10_000) ?? config.maxBatchTexts
        config.verifyByDefault = try reader.flag("GLMTTS_VERIFY") ?? config.verifyByDefault
        config.blobs = try BlobStoreSetting(reader)
        config.store = try JobStoreSetting(reader)
        if let role = reader.string("GLMTTS_ROLE") {
            guard let parsed = ServerRole(rawValue: role.lowercased()) else {
                throw ConfigurationError.invalid(name: "GLMTTS_ROLE", value: role, expected: "all, api or worker")
            }
            config.role = parsed
        }
        if let name = reader.string("GLMTTS_NODE_NAME") {
            guard !name.isEmpty, name.count <= 200, name.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
                throw ConfigurationError.invalid(
                    name: "GLMTTS_NODE_NAME", value: String(name.prefix(200)),
                    expected: "up to 200 printable ASCII characters without spaces")
            }
            config.nodeName = name
        }
        config.leaseSeconds = try reader.double("GLMTTS_LEASE_SECONDS", in: 2...3600) ?? config.leaseSeconds
        config.pollSeconds = try reader.double("GLMTTS_POLL_SECONDS", in: 0.2...600) ?? config.pollSeconds
        config.verification.maxAttempts =
            try reader.integer("GLMTTS_VERIFY_MAX_ATTEMPTS", in: 1...10) ?? config.verification.maxAttempts
        config.verification.maxErrorRate =
            try reader.double("GLMTTS_VERIFY_MAX_ERROR_RATE", in: 0...1) ?? config.verification.maxErrorRate
        config.synchronousWaitSeconds = try reader.double("GLMTTS_SYNC_WAIT_SECONDS", in: 1...86_400) ?? config.synchronousWaitSeconds
        config.retentionSeconds = try reader.double("GLMTTS_RETENTION_HOURS", in: 0...87_600).map { $0 * 3600 } ?? config.retentionSeconds
        if let origins = reader.list("GLMTTS_CORS_ORIGINS") { config.corsAllowedOrigins = origins }
        if let mode = reader.string("GLMTTS_AUTH") {
            guard let parsed = AccessMode(rawValue: mode.lowercased()) else {
                throw ConfigurationError.invalid(name: "GLMTTS_AUTH", value: mode, expected: "auto, open or keys")
            }
            config.accessMode = parsed
        }
        config.rateLimitPerMinute = try reader.integer("GLMTTS_RATE_LIMIT_PER_MINUTE", in: 0...1_000_000) ?? config.rateLimitPerMinute
        config.quotaCharactersPerDay =
            try reader.integer("GLMTTS_QUOTA_CHARS_PER_DAY", in: 0...1_000_000_000_000) ?? config.quotaCharactersPerDay
        config.maxConcurrentPerClient =
            try reader.integer("GLMTTS_MAX_CONCURRENT_PER_CLIENT", in: 1...10_000) ?? config.maxConcurrentPerClient
        config.maxStreamsPerClient = try reader.integer("GLMTTS_MAX_STREAMS_PER_CLIENT", in: 1...10_000) ?? config.maxStreamsPerClient
        config.streamBufferLimit = try reader.integer("GLMTTS_STREAM_BUFFER_EVENTS", in: 2...1_000_000) ?? config.streamBufferLimit
        if let format = reader.string("GLMTTS_LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw ConfigurationError.invalid(name: "GLMTTS_LOG_FORMAT", value: format, expected: "text, json or logfmt")
            }
            config.logFormat = parsed
        }
        if let level = reader.string("GLMTTS_LOG_LEVEL") {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level.lowercased()) else {
                throw ConfigurationError.invalid(name: "GLMTTS_LOG_LEVEL", value: level, expected: levels.joined(separator: ", "))
            }
            config.logLevel = level.lowercased()
        }
        if let allowed = reader.list("GLMTTS_METRICS_ALLOW") { config.metricsAllowedAddresses = allowed }
        if let proxies = reader.list("GLMTTS_TRUSTED_PROXIES") { config.trustedProxies = proxies }
        config.wyomingPort = try reader.integer("GLMTTS_WYOMING_PORT", in: 0...65_535)
        if let host = reader.string("GLMTTS_WYOMING_HOST") { config.wyomingHost = host }
        if let allowed = reader.list("GLMTTS_WYOMING_ALLOW") { config.wyomingAllowedClients = allowed }
        config.wyomingZeroconfName = reader.string("GLMTTS_WYOMING_ZEROCONF")
        if let folder = reader.string("GLMTTS_MCP_FILES_DIR") {
            guard folder.hasPrefix("/") else {
                throw ConfigurationError.invalid(name: "GLMTTS_MCP_FILES_DIR", value: folder, expected: "an absolute path to a folder")
            }
            config.mcpFilesDirectory = URL(fileURLWithPath: folder, isDirectory: true)
        }
        config.modelIdleSeconds = try reader.double("GLMTTS_MODEL_IDLE_SECONDS", in: 0...31_536_000) ?? config.modelIdleSeconds
        config.shutdownGraceSeconds = try reader.double("GLMTTS_SHUTDOWN_GRACE_SECONDS", in: 0...86_400) ?? config.shutdownGraceSeconds
        try config.validate()
        self = config
    }
}
