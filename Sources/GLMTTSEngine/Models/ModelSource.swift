import Foundation

/// Where a pulled model came from: its catalogue entry and the downloads it was made of.
public struct ModelSource: Sendable, Codable, Equatable {
    /// The catalogue entry's id (equal to the model id).
    public var catalogueID: String
    /// When the install finished (ISO 8601, UTC).
    public var installedAt: String
    /// The publisher's URL of every file the install used, by file name (the URL as the
    /// catalogue states it, before any mirror).
    public var urls: [String: String]
    /// Whether every downloaded file was checked against a digest its publisher states
    /// (false: some file was only checked against the hash seen at its first download).
    public var publisherDigestsChecked: Bool

    public init(catalogueID: String, installedAt: String, urls: [String: String], publisherDigestsChecked: Bool) {
        self.catalogueID = catalogueID
        self.installedAt = installedAt
        self.urls = urls
        self.publisherDigestsChecked = publisherDigestsChecked
    }
}
