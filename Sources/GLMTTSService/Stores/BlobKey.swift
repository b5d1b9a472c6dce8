import GLMTTSEngine

/// The name of one stored file (blob). Keys are built only from validated random ids and
/// our own format names, never from anything a client sent, so no request can name a path.
public enum BlobKey: Hashable, Sendable {
    /// The uploaded reference clip of a synthesis job, or the audio of a transcription job.
    case upload(JobID)
    /// A synthesis job's result in one format (`.wav` is the master the others are encoded
    /// from), made by the run that held `lease` (nil on a store of one node). A run that lost
    /// its lease writes under its own token, which no reader asks for: it cannot replace the
    /// result of the run that took over.
    case output(JobID, OutputFormat, lease: Int64? = nil)
    /// A saved voice's prepared reference clip (WAV). A string that is not a valid voice id
    /// (`VoiceRecord.isValidID`) names no blob: it reads as missing and cannot be written.
    case voiceClip(String)
    /// A synthesis job's caption words (`Captions` as JSON), made on first request (or by
    /// the run that held `lease`, when it verified its speech) and kept.
    case captions(JobID, lease: Int64? = nil)

    /// The blob's path inside a store, the same on disk and in a bucket: `uploads/<job>.clip`,
    /// `outputs/<job>.<format>`, `outputs/<job>.captions.json` (`outputs/<job>.<lease>.…` for a
    /// run's lease), `voices/<voice>.wav`. Nil for a voice clip whose id is not a valid voice id.
    public var relativePath: String? {
        switch self {
        case let .upload(id): return "uploads/\(id.rawValue).clip"
        case let .output(id, format, lease): return "outputs/\(Self.stem(id, lease)).\(format.rawValue)"
        case let .captions(id, lease): return "outputs/\(Self.stem(id, lease)).captions.json"
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
        case let .upload(id), let .output(id, _, _), let .captions(id, _): return id
        case .voiceClip: return nil
        }
    }

    /// `<job>` or `<job>.<lease>`.
    private static func stem(_ id: JobID, _ lease: Int64?) -> String {
        lease.map { "\(id.rawValue).\($0)" } ?? id.rawValue
    }
}
