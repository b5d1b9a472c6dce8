import Foundation

/// One object of a bucket listing: its key (without the location's prefix) and when it
/// was last written.
struct S3Object: Sendable, Equatable {
    /// The key, relative to the location's prefix.
    let key: String
    /// When the object was last written (nil when the store did not say in a form we read).
    let lastModified: Date?
}
