/// Every stable problem code the service answers with (the `code` of an error, the
/// `type` `/problems/<code>` of an RFC 9457 problem), in one place: clients may rely on
/// them, so they change only with the API version. Grouped by area.
public enum ProblemCode {
    // MARK: General
    /// `internal`: something failed inside the server (details only in its log).
    public static let internalError = "internal"
    /// `not_found`: a route or file that does not exist.
    public static let notFound = "not_found"

    // MARK: Audio decoding and encoding
    /// `audio.corrupt`
    public static let audioCorrupt = "audio.corrupt"
    /// `audio.empty`
    public static let audioEmpty = "audio.empty"
    /// `audio.encoding_failed`
    public static let audioEncodingFailed = "audio.encoding_failed"
    /// `audio.ffmpeg_failed`
    public static let audioFfmpegFailed = "audio.ffmpeg_failed"
    /// `audio.ffmpeg_missing`
    public static let audioFfmpegMissing = "audio.ffmpeg_missing"
    /// `audio.file_unreadable`
    public static let audioFileUnreadable = "audio.file_unreadable"
    /// `audio.implausible_channel_count`
    public static let audioImplausibleChannelCount = "audio.implausible_channel_count"
    /// `audio.implausible_sample_rate`
    public static let audioImplausibleSampleRate = "audio.implausible_sample_rate"
    /// `audio.no_samples`
    public static let audioNoSamples = "audio.no_samples"
    /// `audio.resampling_failed`
    public static let audioResamplingFailed = "audio.resampling_failed"
    /// `audio.temporary_storage_failed`
    public static let audioTemporaryStorageFailed = "audio.temporary_storage_failed"
    /// `audio.too_large`
    public static let audioTooLarge = "audio.too_large"
    /// `audio.too_long`
    public static let audioTooLong = "audio.too_long"
    /// `audio.unsupported_format`
    public static let audioUnsupportedFormat = "audio.unsupported_format"

    // MARK: Authentication and access
    /// `auth.forbidden`
    public static let authForbidden = "auth.forbidden"
    /// `auth.foreign_host`
    public static let authForeignHost = "auth.foreign_host"
    /// `auth.foreign_origin`
    public static let authForeignOrigin = "auth.foreign_origin"
    /// `auth.invalid`
    public static let authInvalid = "auth.invalid"
    /// `auth.required`
    public static let authRequired = "auth.required"

    // MARK: Batches
    /// `batch.not_finished`
    public static let batchNotFinished = "batch.not_finished"
    /// `batch.not_found`
    public static let batchNotFound = "batch.not_found"
    /// `batch.too_many_texts`
    public static let batchTooManyTexts = "batch.too_many_texts"

    // MARK: The command line
    /// `cli.cannot_read`
    public static let cliCannotRead = "cli.cannot_read"
    /// `cli.cannot_write`
    public static let cliCannotWrite = "cli.cannot_write"
    /// `cli.input_too_large`
    public static let cliInputTooLarge = "cli.input_too_large"

    // MARK: Settings
    /// `config.invalid`
    public static let configInvalid = "config.invalid"
    /// `config.unsafe`
    public static let configUnsafe = "config.unsafe"

    // MARK: Documentation routes
    /// `docs.unavailable`
    public static let docsUnavailable = "docs.unavailable"

    // MARK: Engines
    /// `engine.generation_failed`
    public static let engineGenerationFailed = "engine.generation_failed"
    /// `engine.nothing_to_speak`
    public static let engineNothingToSpeak = "engine.nothing_to_speak"
    /// `engine.reference_required`
    public static let engineReferenceRequired = "engine.reference_required"

    // MARK: espeak-ng
    /// `espeak.initialization_failed`
    public static let espeakInitializationFailed = "espeak.initialization_failed"
    /// `espeak.synthesis_failed`
    public static let espeakSynthesisFailed = "espeak.synthesis_failed"
    /// `espeak.unknown_voice`
    public static let espeakUnknownVoice = "espeak.unknown_voice"

    // MARK: Jobs
    /// `job.audio_gone`
    public static let jobAudioGone = "job.audio_gone"
    /// `job.cancelled`
    public static let jobCancelled = "job.cancelled"
    /// `job.failed`
    public static let jobFailed = "job.failed"
    /// `job.interrupted`
    public static let jobInterrupted = "job.interrupted"
    /// `job.no_audio`
    public static let jobNoAudio = "job.no_audio"
    /// `job.not_finished`
    public static let jobNotFinished = "job.not_finished"
    /// `job.not_found`
    public static let jobNotFound = "job.not_found"
    /// `job.upload_gone`
    public static let jobUploadGone = "job.upload_gone"

    // MARK: Models
    /// `model.invalid_id`
    public static let modelInvalidId = "model.invalid_id"
    /// `model.invalid_import`
    public static let modelInvalidImport = "model.invalid_import"
    /// `model.invalid_manifest`
    public static let modelInvalidManifest = "model.invalid_manifest"
    /// `model.load_failed`
    public static let modelLoadFailed = "model.load_failed"
    /// `model.missing_file`
    public static let modelMissingFile = "model.missing_file"
    /// `model.not_found`
    public static let modelNotFound = "model.not_found"
    /// `model.write_failed`
    public static let modelWriteFailed = "model.write_failed"
    /// `model.not_in_catalogue`: no published model (or pack) with this id.
    public static let modelNotInCatalogue = "model.not_in_catalogue"
    /// `model.catalogue_invalid`: the catalogue file cannot be read or breaks its rules.
    public static let modelCatalogueInvalid = "model.catalogue_invalid"
    /// `model.download_failed`: the publisher (or mirror) did not deliver a file.
    public static let modelDownloadFailed = "model.download_failed"
    /// `model.checksum_mismatch`: a file's size or digest differs from the catalogue's.
    public static let modelChecksumMismatch = "model.checksum_mismatch"
    /// `model.disk_full`: not enough free space for a pull.
    public static let modelDiskFull = "model.disk_full"
    /// `model.archive_refused`: an archive entry is unsafe (`..`, absolute, link, device, too big).
    public static let modelArchiveRefused = "model.archive_refused"
    /// `model.archive_corrupt`: an archive cannot be decompressed or read.
    public static let modelArchiveCorrupt = "model.archive_corrupt"
    /// `model.already_installed`: the model is installed; pass force to replace it.
    public static let modelAlreadyInstalled = "model.already_installed"
    /// `model.pull_cancelled`: the pull was cancelled; nothing was installed.
    public static let modelPullCancelled = "model.pull_cancelled"
    /// `model.pull_not_found`: no pull with this id (finished pulls are kept for a while).
    public static let modelPullNotFound = "model.pull_not_found"
    /// `model.verify_failed`: an installed file differs from its manifest's digest.
    public static let modelVerifyFailed = "model.verify_failed"

    // MARK: Synthesis parameters
    /// `parameter.cloning_unsupported`
    public static let parameterCloningUnsupported = "parameter.cloning_unsupported"
    /// `parameter.malformed`
    public static let parameterMalformed = "parameter.malformed"
    /// `parameter.out_of_range`
    public static let parameterOutOfRange = "parameter.out_of_range"

    // MARK: The queue
    /// `queue.full`
    public static let queueFull = "queue.full"

    // MARK: Quotas
    /// `quota.exceeded`
    public static let quotaExceeded = "quota.exceeded"

    // MARK: Rate and concurrency limits
    /// `rate.concurrency`
    public static let rateConcurrency = "rate.concurrency"
    /// `rate.limited`
    public static let rateLimited = "rate.limited"

    // MARK: Reference clips
    /// `reference.empty`
    public static let referenceEmpty = "reference.empty"
    /// `reference.invalid_samples`
    public static let referenceInvalidSamples = "reference.invalid_samples"
    /// `reference.no_speech`
    public static let referenceNoSpeech = "reference.no_speech"
    /// `reference.too_short`
    public static let referenceTooShort = "reference.too_short"
    /// `reference.vad_unavailable`
    public static let referenceVadUnavailable = "reference.vad_unavailable"

    // MARK: Requests
    /// `request.conflicting_fields`
    public static let requestConflictingFields = "request.conflicting_fields"
    /// `request.invalid_field`
    public static let requestInvalidField = "request.invalid_field"
    /// `request.malformed`
    public static let requestMalformed = "request.malformed"
    /// `request.missing_field`
    public static let requestMissingField = "request.missing_field"
    /// `request.out_of_range`
    public static let requestOutOfRange = "request.out_of_range"
    /// `request.too_large`
    public static let requestTooLarge = "request.too_large"
    /// `request.unknown_format`
    public static let requestUnknownFormat = "request.unknown_format"
    /// `request.unsupported_media_type`
    public static let requestUnsupportedMediaType = "request.unsupported_media_type"

    // MARK: Routing
    /// `route.method_not_allowed`
    public static let routeMethodNotAllowed = "route.method_not_allowed"
    /// `route.not_found`
    public static let routeNotFound = "route.not_found"

    // MARK: The server
    /// `server.shutting_down`
    public static let serverShuttingDown = "server.shutting_down"
    /// `server.worker_only`
    public static let serverWorkerOnly = "server.worker_only"

    // MARK: Files (blob storage)
    /// `storage.disk_full`
    public static let storageDiskFull = "storage.disk_full"
    /// `storage.failed`
    public static let storageFailed = "storage.failed"
    /// `storage.read_only`
    public static let storageReadOnly = "storage.read_only"
    /// `storage.unavailable`
    public static let storageUnavailable = "storage.unavailable"

    // MARK: The database
    /// `store.busy`
    public static let storeBusy = "store.busy"
    /// `store.unreachable`
    public static let storeUnreachable = "store.unreachable"
    /// `store.cannot_open`
    public static let storeCannotOpen = "store.cannot_open"
    /// `store.disk_full`
    public static let storeDiskFull = "store.disk_full"
    /// `store.failed`
    public static let storeFailed = "store.failed"
    /// `store.io_error`
    public static let storeIoError = "store.io_error"
    /// `store.read_only`
    public static let storeReadOnly = "store.read_only"
    /// `store.unreadable`
    public static let storeUnreadable = "store.unreadable"

    // MARK: Streams
    /// `stream.limit`
    public static let streamLimit = "stream.limit"
    /// `stream.too_slow`
    public static let streamTooSlow = "stream.too_slow"

    // MARK: Text
    /// `text.character_too_complex`
    public static let textCharacterTooComplex = "text.character_too_complex"
    /// `text.empty`
    public static let textEmpty = "text.empty"
    /// `text.input_too_large`
    public static let textInputTooLarge = "text.input_too_large"
    /// `text.invalid_encoding`
    public static let textInvalidEncoding = "text.invalid_encoding"
    /// `text.invisible_only`
    public static let textInvisibleOnly = "text.invisible_only"
    /// `text.language_unsupported`
    public static let textLanguageUnsupported = "text.language_unsupported"
    /// `text.no_speakable_content`
    public static let textNoSpeakableContent = "text.no_speakable_content"
    /// `text.too_long`
    public static let textTooLong = "text.too_long"

    // MARK: Transcription
    /// `transcription.language_uncertain`
    public static let transcriptionLanguageUncertain = "transcription.language_uncertain"
    /// `transcription.low_confidence`
    public static let transcriptionLowConfidence = "transcription.low_confidence"
    /// `transcription.no_recognizer`
    public static let transcriptionNoRecognizer = "transcription.no_recognizer"
    /// `transcription.no_speech`
    public static let transcriptionNoSpeech = "transcription.no_speech"
    /// `transcription.not_words`
    public static let transcriptionNotWords = "transcription.not_words"
    /// `transcription.repetitive`
    public static let transcriptionRepetitive = "transcription.repetitive"
    /// `transcription.unsupported_language`
    public static let transcriptionUnsupportedLanguage = "transcription.unsupported_language"

    // MARK: The web UI
    /// `ui.unavailable`
    public static let uiUnavailable = "ui.unavailable"

    // MARK: Saved voices
    /// `voice.audio_gone`
    public static let voiceAudioGone = "voice.audio_gone"
    /// `voice.not_found`
    public static let voiceNotFound = "voice.not_found"

    // MARK: Worker processes
    /// `worker.crashed`
    public static let workerCrashed = "worker.crashed"
    /// `worker.protocol_violation`
    public static let workerProtocolViolation = "worker.protocol_violation"
    /// `worker.shut_down`
    public static let workerShutDown = "worker.shut_down"
    /// `worker.start_failed`
    public static let workerStartFailed = "worker.start_failed"
    /// `worker.timed_out`
    public static let workerTimedOut = "worker.timed_out"

    // MARK: Wyoming (Home Assistant's voice protocol)
    /// `wyoming.unknown_event`: an event type this server does not handle.
    public static let wyomingUnknownEvent = "wyoming.unknown_event"
    /// `wyoming.out_of_order`: an event that needs another first (`synthesize-chunk` before
    /// `synthesize-start`).
    public static let wyomingOutOfOrder = "wyoming.out_of_order"
    /// `wyoming.not_allowed`: the client's address is not on the Wyoming allow-list.
    public static let wyomingNotAllowed = "wyoming.not_allowed"
    /// `wyoming.busy`: the server already has as many Wyoming connections as it allows.
    public static let wyomingBusy = "wyoming.busy"

    // MARK: MCP (the Model Context Protocol server for AI agents)
    /// `mcp.unknown_tool`: a tool this server does not offer.
    public static let mcpUnknownTool = "mcp.unknown_tool"
    /// `mcp.file_refused`: a `file` argument that is not a plain name inside the configured
    /// folder (absolute, `..`, hidden, a link out of it, not a regular file), or files are off.
    public static let mcpFileRefused = "mcp.file_refused"
}
