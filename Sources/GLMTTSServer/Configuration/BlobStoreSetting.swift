package import Foundation
package import GLMTTSService

/// Where the server keeps uploads, results and voice clips (`GLMTTS_BLOBS`):
/// `file:DIR` (default: the data directory's `service` folder) or
/// `s3://BUCKET?endpoint=URL&region=REGION&prefix=PREFIX/` with the usual
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optional `AWS_SESSION_TOKEN`.
package enum BlobStoreSetting: Sendable, Equatable {
    /// Files on this machine's disk, under `folder` (nil: the data directory's `service` folder).
    case localDisk(folder: URL?)
    /// Objects in an S3-compatible bucket.
    case s3(S3Location, S3Credentials)

    /// The setting in `reader`, `.localDisk(folder: nil)` when unset. Throws a
    /// `ConfigurationError` naming the setting (never echoing a secret).
    package init(_ reader: SettingsReader) throws {
        guard let text = reader.string("GLMTTS_BLOBS") else {
            self = .localDisk(folder: nil)
            return
        }
        guard !text.contains("@") else {  // s3://KEY:SECRET@bucket: never echoed
            throw ConfigurationError.invalid(
                name: "GLMTTS_BLOBS", value: "(hidden: it holds '@')",
                expected: "no credentials in the setting: put them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        if text.hasPrefix("file:") {
            let folder = String(text.dropFirst("file:".count))
            guard folder.hasPrefix("/") else {
                throw ConfigurationError.invalid(name: "GLMTTS_BLOBS", value: text, expected: "file:/ABSOLUTE/FOLDER or s3://BUCKET?…")
            }
            self = .localDisk(folder: URL(fileURLWithPath: folder, isDirectory: true))
            return
        }
        guard text.lowercased().hasPrefix("s3://") else {
            throw ConfigurationError.invalid(
                name: "GLMTTS_BLOBS", value: text, expected: "file:/ABSOLUTE/FOLDER or s3://BUCKET?endpoint=URL&region=REGION")
        }
        let location: S3Location
        do { location = try S3Location(parsing: text) } catch {
            throw ConfigurationError.invalid(name: "GLMTTS_BLOBS", value: text, expected: error.expected)
        }
        guard let keyID = reader.string("AWS_ACCESS_KEY_ID"), let secret = reader.string("AWS_SECRET_ACCESS_KEY") else {
            throw ConfigurationError.unsafe(
                reason:
                    "GLMTTS_BLOBS names an S3 bucket but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set. Set them to a key that may read, write, list and delete in bucket '\(location.bucket)'."
            )
        }
        self = .s3(location, S3Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: reader.string("AWS_SESSION_TOKEN")))
    }

    /// How the setting is shown at start and in `/api/config` (no secrets).
    package var summary: String {
        switch self {
        case let .localDisk(folder): return "file:" + (folder?.path ?? "(data directory)/service")
        case let .s3(location, _):
            return "s3://\(location.bucket) at \(location.endpoint.absoluteString) (\(location.region))"
                + (location.prefix.isEmpty ? "" : ", prefix \(location.prefix)")
        }
    }
}
