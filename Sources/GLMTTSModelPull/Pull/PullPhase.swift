/// Where a pull of one model is.
public enum PullPhase: String, Sendable, Codable {
    /// Waiting for another pull of the same model (another process) to finish.
    case waiting
    /// Downloading (or resuming) its files.
    case downloading
    /// Checking a finished download's size and digests.
    case verifying
    /// Unpacking, joining, importing into the staging folder.
    case installing
    /// Installed and moved into place.
    case installed
    /// Already installed; nothing was downloaded.
    case skipped
}
