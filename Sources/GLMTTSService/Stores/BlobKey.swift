import GLMTTSEngine

/// The name of one stored file (blob). Keys are built only from validated random ids and
/// our own format names, never from anything a client sent, so no request can name a path.
public enum BlobKey: Hashable, Sendable {
    /// The uploaded reference clip of a synthesis job, or the audio of a transcription job.
    case upload(JobID)
    /// A synthesis job's result in one format (`.wav` is the master the others are encoded from).
    case output(JobID, OutputFormat)
    /// A saved voice's prepared reference clip (WAV). A string that is not a valid voice id
    /// (`VoiceRecord.isValidID`) names no blob: it reads as missing and cannot be written.
    case voiceClip(String)
    /// A synthesis job's caption words (`Captions` as JSON), made on first request and kept.
    case captions(JobID)

    /// The job the blob belongs to, if any.
    public var jobID: JobID? {
        switch self {
        case let .upload(id), let .output(id, _), let .captions(id): return id
        case .voiceClip: return nil
        }
    }
}
