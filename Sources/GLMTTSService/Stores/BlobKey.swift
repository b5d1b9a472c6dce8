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

    /// The blob's path inside a store, the same on disk and in a bucket: `uploads/<job>.clip`,
    /// `outputs/<job>.<format>`, `outputs/<job>.captions.json`, `voices/<voice>.wav`. Nil for a
    /// voice clip whose id is not a valid voice id.
    public var relativePath: String? {
        switch self {
        case let .upload(id): return "uploads/\(id.rawValue).clip"
        case let .output(id, format): return "outputs/\(id.rawValue).\(format.rawValue)"
        case let .captions(id): return "outputs/\(id.rawValue).captions.json"
        case let .voiceClip(voiceID): return VoiceRecord.isValidID(voiceID) ? "voices/\(voiceID).wav" : nil
        }
    }

    /// The job a stored path (`relativePath`) belongs to: the job id before the first dot of
    /// a file in `uploads/` or `outputs/`; nil for anything else.
    public static func jobID(ofPath path: Substring) -> JobID? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "uploads" || parts[0] == "outputs", let stem = parts[1].split(separator: ".").first
        else { return nil }
        return JobID(String(stem))
    }

    /// The job the blob belongs to, if any.
    public var jobID: JobID? {
        switch self {
        case let .upload(id), let .output(id, _), let .captions(id): return id
        case .voiceClip: return nil
        }
    }
}
