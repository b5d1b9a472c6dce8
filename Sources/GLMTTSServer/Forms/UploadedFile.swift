import Foundation

/// An audio file received in a form; its client file name is kept for messages only and
/// never used to name anything on disk.
struct UploadedFile: Sendable {
    /// The form field it came in.
    var field: String
    /// Its bytes.
    var data: Data
    /// The name the client gave it.
    var filename: String?
}
